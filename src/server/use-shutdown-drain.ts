/**
 * At shutdown, queries still waiting for the upstream (sent and slow, or queued behind a full
 * connection pool) are ended with a coded error, so that each client gets an answer within the grace
 * period instead of a cut connection. Only queries: a mutation that may have reached the upstream is
 * left to finish (or to be cut at the end of the grace period), since ending it early could not say
 * whether it happened.
 *
 * Each HTTP request's upstream calls run on a signal of their own (`signalFor`), which this aborts
 * for the queries executing when `abortQueries()` is called; the upstream client rejects an aborted
 * call with the signal's reason, here the coded error.
 */
import { setMaxListeners } from 'node:events';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';

const DRAIN = Symbol('drain');

export interface ShutdownDrain {
  /** The signal for one HTTP request's upstream calls: its own, aborted when the client leaves or at shutdown. */
  signalFor(request: AbortSignal): { signal: AbortSignal; mark(context: object): void };
  plugin: Plugin;
  /** Ends the upstream calls of every query still executing with UPSTREAM_UNAVAILABLE. */
  abortQueries(): void;
}

export function createShutdownDrain(): ShutdownDrain {
  const executing = new Set<AbortController>();
  return {
    signalFor(request) {
      // One controller per request, aborted when the client leaves or at shutdown (AbortSignal.any
      // would do the same at several times the cost, on every request).
      const drain = new AbortController();
      if (request.aborted) drain.abort(request.reason);
      else request.addEventListener('abort', () => drain.abort(request.reason), { once: true });
      // Every upstream call of the request listens to it until the call ends, and one page fans out
      // to one call per job (latest metrics): 20 at once by default, up to the page size. Not a leak.
      setMaxListeners(1_000, drain.signal);
      return {
        signal: drain.signal,
        // A symbol-keyed property survives the spread by which yoga merges contexts.
        mark: (context) => Object.assign(context, { [DRAIN]: drain }),
      };
    },
    plugin: {
      onExecute({ args }) {
        const drain = (args.contextValue as { [DRAIN]?: AbortController })[DRAIN];
        if (!drain || getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
        executing.add(drain);
        return { onExecuteDone: () => void executing.delete(drain) };
      },
    },
    abortQueries() {
      const reason = gatewayError(
        'UPSTREAM_UNAVAILABLE',
        'The gateway is shutting down and this request could not be answered in time: send it again.',
      );
      for (const drain of executing) drain.abort(reason);
      executing.clear();
    },
  };
}
