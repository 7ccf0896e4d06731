/**
 * One log line per HTTP request, for operators: method, path, operation name and type, status and
 * duration. Never headers, variables or bodies (they carry tokens and Hugging Face secrets). Health
 * and readiness probes log at debug, so that they do not drown the rest.
 */
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestScopes } from './use-request-id.js';

interface Entry {
  startedAt: number;
  path: string;
  operationName?: string | undefined;
  operationType?: string | undefined;
}

/** `scopes`: the gateway's request scopes (use-request-id.ts), whose loggers write each line. */
export function useRequestLog(scopes: RequestScopes, probePaths: readonly string[] = ['/healthz', '/readyz']): Plugin {
  const entries = new WeakMap<Request, Entry>();
  const note = (args: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown }) => {
    const request = (args.contextValue as { request?: Request } | null)?.request;
    const entry = request && entries.get(request);
    if (!entry) return;
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    entry.operationType = operation?.operation;
    entry.operationName ??= operation?.name?.value;
  };
  return {
    // `url` is the URL yoga's adapter parses once per request (the metrics and dashboard plugins read it too).
    onRequest({ request, url }) {
      entries.set(request, { startedAt: performance.now(), path: url.pathname });
    },
    onParams({ request, params }) {
      const entry = entries.get(request);
      if (entry) entry.operationName = params.operationName ?? undefined;
    },
    // The document yoga already parsed tells the operation's type; nothing is parsed twice.
    onExecute({ args }) {
      note(args);
    },
    onSubscribe({ args }) {
      note(args);
    },
    onResponse({ request, response }) {
      const entry = entries.get(request);
      if (!entry) return;
      const { path } = entry;
      const line = {
        method: request.method,
        path,
        status: response.status,
        ms: Math.round((performance.now() - entry.startedAt) * 10) / 10,
        ...(entry.operationType ? { operation: entry.operationType } : {}),
        ...(entry.operationName ? { operationName: entry.operationName } : {}),
        ...(response.headers.get('content-type')?.startsWith('text/event-stream') ? { stream: 'sse' } : {}),
      };
      // The request's own logger, so that the line carries its request id.
      const log = scopes.of(request).log;
      if (probePaths.includes(path)) log.debug(line, 'request');
      else log.info(line, 'request');
    },
  };
}
