/**
 * Adapts a live-updates stream to a GraphQL subscription source that never throws. An error of the
 * stream (access refused, token expired, upstream gone for good) becomes one last item, which the
 * field's resolver throws: the subscriber receives it as a coded GraphQL error in a final result,
 * and the stream completes, on every transport alike (a throwing source would make graphql-ws close
 * the whole socket). The engine's own failure (Redis away: LiveUpdatesUnavailableError) is the
 * gateway's SERVICE_UNAVAILABLE, never blamed on the upstream. Built on yoga's Repeater so that a client leaving stops the stream at once,
 * even while it waits for the next poll.
 */
import { Repeater } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';
import { isLiveUpdatesUnavailable } from '../live/live-unavailable.js';

export type LiveItem<T> = { value: T } | { error: unknown };

export function liveSource<T>(open: () => AsyncIterableIterator<T>): AsyncIterableIterator<LiveItem<T>> {
  return new Repeater<LiveItem<T>>(async (push, stop) => {
    let inner: AsyncIterableIterator<T>;
    try {
      inner = open();
    } catch (error) {
      await push({ error });
      stop();
      return;
    }
    void stop.then(() => inner.return?.());
    try {
      for await (const value of inner) await push({ value });
    } catch (error) {
      await push({
        error: isLiveUpdatesUnavailable(error) ? gatewayError('SERVICE_UNAVAILABLE', error.message) : error,
      });
    }
    stop();
  });
}

/** The value of an item, or its error thrown. */
export function unwrap<T>(item: LiveItem<T>): T {
  if ('error' in item) throw item.error;
  return item.value;
}
