/**
 * Knowing whether a request left this process. undici queues a request while every connection of its
 * pool is busy, and only when a connection takes it does the request start (`onRequestStart`, the
 * old `onConnect`): the headers are written right after, in the same tick. Before that moment nothing
 * reached the upstream, so a failure then is "unavailable, safe to retry", even for a job creation.
 *
 * Also: undici does not take an aborted request out of its queue. It rejects it only when a
 * connection picks it up (and then without sending it), so a call cut by its deadline while queued
 * would wait for a free connection first. `sendWhenDispatched` answers at once instead.
 */
import type { Dispatcher } from 'undici';

/** Extra request option read (and removed) by the interceptor: called when the request starts. */
export interface TrackedOptions {
  onDispatched?: () => void;
}

/** The dispatcher with an interceptor that calls `opts.onDispatched` when the request starts. */
export function trackDispatch(dispatcher: Dispatcher): Dispatcher {
  return dispatcher.compose((dispatch) => (opts, handler) => {
    const { onDispatched, ...rest } = opts as Dispatcher.DispatchOptions & TrackedOptions;
    if (onDispatched === undefined) return dispatch(opts, handler);
    const tracked: Dispatcher.DispatchHandler = {
      onRequestStart(controller, context) {
        handler.onRequestStart?.(controller, context);
        // The request handler aborts here when its signal fired while the request was queued.
        if (!controller.aborted) onDispatched();
      },
      onRequestUpgrade: (...args) => handler.onRequestUpgrade?.(...args),
      onResponseStart: (...args) => handler.onResponseStart?.(...args),
      onResponseData: (...args) => handler.onResponseData?.(...args),
      onResponseEnd: (...args) => handler.onResponseEnd?.(...args),
      onResponseError: (...args) => handler.onResponseError?.(...args),
    };
    return dispatch(rest, tracked);
  });
}

/** A request that never started: its signal aborted while it waited for a connection (`cause` is the abort reason). */
export class NotSentError extends Error {
  override readonly name = 'NotSentError';
  constructor(cause: unknown) {
    super('the request never left the connection queue', { cause });
  }
}

/**
 * Runs `start(onDispatched)` and settles with it, except that an abort of `signal` before the request
 * was dispatched rejects at once with `NotSentError` (undici rejects the queued request later, unsent;
 * that rejection is then ignored). Other errors pass unchanged: undici's own, such as a refused
 * connect, already say by their code whether anything was sent, and a mock dispatcher (undici's
 * `MockAgent`) fails its requests without starting them.
 */
export function sendWhenDispatched<T>(
  signal: AbortSignal,
  start: (onDispatched: () => void) => Promise<T>,
): Promise<T> {
  let dispatched = false;
  if (signal.aborted) return Promise.reject(new NotSentError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      if (!dispatched) reject(new NotSentError(signal.reason));
    };
    const pending = start(() => (dispatched = true));
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
