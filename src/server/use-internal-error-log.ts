/**
 * Internal errors (what to-client-error.ts masks: a bug, a library's own error) are logged once, at
 * error level, by the logger of the request they happened in, so that the line carries its request
 * id. yoga's `maskError` is told neither the request nor the operation's context, so the plugin looks
 * at the errors of each execution, subscription (its events and a stream that throws) and context
 * building first, with the context at hand, and logs the internal ones. The masking itself stays in
 * yoga's `maskError` (gateway.ts), which logs what the plugin did not see with the gateway's logger:
 * only errors thrown before there is an operation to look at (by a plugin while yoga reads the request).
 */
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { toClientError } from './to-client-error.js';
import type { RequestScopes } from './use-request-id.js';

export interface InternalErrorLog {
  /** Must come after every plugin that rewrites execution errors: it has to see the errors yoga masks. */
  plugin: Plugin;
  /** For `maskError`'s `onInternal`: logs an internal error with the gateway's logger, unless the plugin did. */
  logUnseen(error: unknown): void;
}

export function createInternalErrorLog(scopes: RequestScopes, fallback: Logger): InternalErrorLog {
  // The very error objects yoga masks next: each is logged by whichever sees it first.
  const logged = new WeakSet<object>();
  const write = (log: Logger, error: unknown) => {
    if (typeof error === 'object' && error !== null) logged.add(error);
    log.error({ err: error }, 'internal error (masked for the client)');
  };
  const check = (context: unknown, errors: readonly unknown[] | undefined) => {
    if (!errors?.length) return;
    const log = scopes.ofContext(context)?.log ?? fallback;
    for (const error of errors) toClientError(error, (internal) => write(log, internal));
  };
  type Handled = Parameters<typeof handleStreamOrSingleExecutionResult>;
  const checkResult: Handled[1] = ({ args, result }) => check(args.contextValue, result.errors);
  // One object for every execution: the hook is told the operation's args, context included.
  const afterExecute = {
    onExecuteDone: (payload: Handled[0]) => handleStreamOrSingleExecutionResult(payload, checkResult),
  };

  return {
    plugin: {
      onPluginInit({ registerContextErrorHandler }) {
        registerContextErrorHandler(({ context, error }) => check(context, [error]));
      },
      onExecute: () => afterExecute,
      onSubscribe: ({ args }) => ({
        onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, checkResult),
        onSubscribeError: ({ error }) => check(args.contextValue, [error]),
      }),
    },
    logUnseen(error) {
      if (typeof error !== 'object' || error === null || !logged.has(error)) write(fallback, error);
    },
  };
}
