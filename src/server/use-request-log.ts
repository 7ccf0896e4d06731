/**
 * One log line per HTTP request, for operators: method, path, operation name and type, status and
 * duration (`ms`: until the answer was ready). Never headers, variables or bodies (they carry tokens
 * and Hugging Face secrets), nor a download link's grant (its path is logged as `/downloads/{grant}`).
 * Health and readiness probes log at debug, so that they do not drown the rest.
 *
 * A response the client did not get whole says so, with `"aborted":true` at warn: the request line
 * itself when the connection was gone before the answer was ready (the client left, or a shutdown cut
 * it: an upload cut by SIGTERM got only `100 Continue`), with no `status` (none was sent: the one the
 * gateway made was never written) and `"reason":"connection closed before the answer"`; else a second
 * line, `response cut`, when the connection closed while the answer was being sent (its `status` was
 * sent). One line with `aborted` per such request, for error-rate queries. The request line is written
 * before the answer is sent (a gateway killed the moment it answered has logged it); an SSE stream is
 * never `response cut`: its end is the subscription's.
 *
 * The operation name and the path are the client's text: past 100 and 200 characters they are cut,
 * saying how many characters were left out (logged-text.ts).
 */
import { ServerResponse } from 'node:http';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DOWNLOADS_PATH } from '../resolvers/download-link.js';
import { cutForLog, MAX_LOGGED_NAME_CHARS, MAX_LOGGED_PATH_CHARS } from '../telemetry/logged-text.js';
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
      entries.set(request, { startedAt: performance.now(), path: loggedPath(url.pathname) });
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
    onResponse({ request, response, serverContext }) {
      const entry = entries.get(request);
      if (!entry) return;
      const { path, operationName } = entry;
      const res = nodeResponseOf(serverContext);
      // Its connection already gone (the client left, or a shutdown cut it): nobody gets this answer.
      const gone = res?.destroyed === true;
      const line = {
        method: request.method,
        path,
        status: response.status,
        ms: Math.round((performance.now() - entry.startedAt) * 10) / 10,
        ...(entry.operationType ? { operation: entry.operationType } : {}),
        ...(operationName ? { operationName: cutForLog(operationName, MAX_LOGGED_NAME_CHARS) } : {}),
        ...(response.headers.get('content-type')?.startsWith('text/event-stream') ? { stream: 'sse' } : {}),
      };
      // The request's own logger, so that the line carries its request id.
      const log = scopes.of(request).log;
      if (probePaths.includes(path)) log.debug(gone ? unanswered(line) : line, 'request');
      else if (gone) log.warn(unanswered(line), 'request');
      else log.info(line, 'request');
      // The line is written before the answer is sent, so that a gateway killed the moment it answered
      // has logged it (LOG_WRITES=sync); an answer then cut on its way gets a line of its own. Not a
      // stream's: its end is the subscription's, and a client leaving is how it usually ends.
      if (!res || gone || 'stream' in line) return;
      res.once('close', () => {
        if (res.writableFinished) return;
        // `ms`: until the connection closed.
        const ms = Math.round((performance.now() - entry.startedAt) * 10) / 10;
        log.warn({ ...line, ms, aborted: true }, 'response cut');
      });
    },
  };
}

/** The request line of an answer that reached nobody: no status (none was sent), and why. */
function unanswered({ status: _unsent, ...line }: { status: number }): object {
  return { ...line, aborted: true, reason: 'connection closed before the answer' };
}

/** The path as logged: a download link's grant (a bearer credential while it lives) as its template; cut past its bound. */
function loggedPath(pathname: string): string {
  return pathname.startsWith(DOWNLOADS_PATH) ? `${DOWNLOADS_PATH}{grant}` : cutForLog(pathname, MAX_LOGGED_PATH_CHARS);
}

/** The Node response under yoga's adapter (`serverContext.res`), or null (yoga.fetch, other runtimes). */
function nodeResponseOf(serverContext: unknown): ServerResponse | null {
  const res = (serverContext as { res?: unknown } | null | undefined)?.res;
  return res instanceof ServerResponse ? res : null;
}
