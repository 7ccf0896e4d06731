/**
 * Trusted-documents mode (`TRUSTED_DOCUMENTS_FILE`): only the listed operations run
 * (`@graphql-yoga/plugin-persisted-operations`). A client sends an operation's hash the APQ way
 * (`extensions.persistedQuery.sha256Hash`), or the exact text of a listed document (which is looked
 * up by its hash: the dashboard and GraphiQL's examples send text). Anything else is FORBIDDEN, with
 * HTTP 403 and a message saying what runs here. Nothing can be registered: APQ is off in this mode.
 */
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';
import { persistedQueryHash } from './use-automatic-persisted-queries.js';
import { sha256Hex } from './sha256-hex.js';

/** Why an operation is refused in trusted-documents mode; `null` when it may run. */
export function untrustedReason(
  documents: ReadonlyMap<string, string>,
  query: unknown,
  extensions: unknown,
): string | null {
  const hash = typeof query === 'string' ? sha256Hex(query) : persistedQueryHash(extensions);
  if (hash !== undefined && documents.has(hash)) return null;
  if (typeof query === 'string') {
    return 'This gateway runs only its trusted documents (TRUSTED_DOCUMENTS_FILE), and the operation sent is not one of them.';
  }
  if (hash === undefined)
    return (
      "This gateway runs only its trusted documents (TRUSTED_DOCUMENTS_FILE): send an operation's hash " +
      'in extensions.persistedQuery.sha256Hash.'
    );
  return (
    `No trusted document has the hash ${JSON.stringify(hash.slice(0, 80))}; this gateway runs only ` +
    `the operations of its TRUSTED_DOCUMENTS_FILE.`
  );
}

export function useTrustedDocuments(documents: ReadonlyMap<string, string>): Plugin[] {
  const refuse = (message: string) => gatewayError('FORBIDDEN', message, { http: { status: 403 } });
  // The text of a listed document runs as the document itself: swap it for its hash before the plugin looks.
  const byText: Plugin = {
    onParams({ params, setParams }) {
      const reason = untrustedReason(documents, params.query, params.extensions);
      if (reason !== null) throw refuse(reason);
      if (typeof params.query === 'string') {
        const { query, ...rest } = params;
        setParams({
          ...rest,
          extensions: { ...params.extensions, persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } },
        });
      }
    },
  };
  return [
    byText,
    usePersistedOperations({
      getPersistedOperation: (hash) => documents.get(hash) ?? null,
      allowArbitraryOperations: false,
    }),
  ];
}
