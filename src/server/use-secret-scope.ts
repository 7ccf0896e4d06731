/**
 * Holds each HTTP request's secrets (request-secrets.ts) in the gateway's redactor from the moment
 * its parameters are read until its response is sent, so that no log line written meanwhile (yoga's
 * own error logging included, which quotes graphql-js messages that quote variables) and no error
 * the client reads holds them in any form. An SSE stream holds them until the client leaves.
 * WebSocket operations are held by the gateway's context factory, since yoga's request hooks do not
 * run there.
 */
import type { Plugin } from 'graphql-yoga';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { requestSecrets } from './request-secrets.js';

export function useSecretScope(redactor: SecretRedactor): Plugin {
  const releases = new WeakMap<Request, () => void>();
  return {
    onParams({ request, params }) {
      releases.get(request)?.();
      const secrets = requestSecrets({
        authorization: request.headers.get('authorization'),
        variables: params.variables,
        query: params.query,
      });
      releases.set(request, redactor.hold(secrets));
    },
    onResponse({ request, response }) {
      const release = releases.get(request);
      if (!release) return;
      releases.delete(request);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream') || request.signal.aborted)
        return release();
      request.signal.addEventListener('abort', release, { once: true });
    },
  };
}
