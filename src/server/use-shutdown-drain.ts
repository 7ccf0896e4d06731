/**
 * At shutdown, queries still waiting for the upstream (sent and slow, or queued behind a full
 * connection pool) are ended with a coded error, so that each client gets an answer within the grace
 * period instead of a cut connection. A mutation that may have reached the upstream is given longer:
 * it is ended only just before the connections are cut, with UPSTREAM_OUTCOME_UNKNOWN (the change may
 * or may not have been made), so that its client is told not to send it again blindly rather than
 * left with a reset it would take for "nothing happened".
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
  /** Ends every mutation still executing with UPSTREAM_OUTCOME_UNKNOWN. */
  abortMutations(): void;
}

export function createShutdownDrain(): ShutdownDrain {
  const executing = new Set<AbortController>();
  const changing = new Set<AbortController>();
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
        const operation = drain && getOperationAST(args.document, args.operationName)?.operation;
        const running = operation === 'query' ? executing : operation === 'mutation' ? changing : null;
        if (!drain || !running) return;
        running.add(drain);
        return { onExecuteDone: () => void running.delete(drain) };
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
    abortMutations() {
      const reason = gatewayError(
        'UPSTREAM_OUTCOME_UNKNOWN',
        "The gateway is shutting down and could not wait longer for the provider's answer: this change may " +
          'or may not have been made. Check before sending it again (createJob sent again with the same ' +
          'idempotencyKey is safe).',
      );
      for (const drain of changing) drain.abort(reason);
      changing.clear();
    },
  };
}
