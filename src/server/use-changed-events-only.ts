/**
 * A subscription sends an event only when its answer changed: an event whose result is the same as
 * the one sent before it, to the same subscriber, is dropped. The live updates publish a job whenever
 * anything of it changes (its metrics every running poll); a subscriber that selected `{ id status }`
 * got the same payload every 2 s while the job ran, and had to drop them itself (server-integrator
 * trial). Compared as sent, the result serialised, so what changes in the selection (a new loss point,
 * `estimatedSecondsLeft` counting down) still goes out at once.
 *
 * Stopping works as without it: `return()` is the source's own (the live sources end their polls at
 * once, even while an event is awaited: src/resolvers/live-source.ts).
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function useChangedEventsOnly(): Plugin {
  return {
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result) setResult(changesOnly(result));
      },
    }),
  };
}

/** `source`'s results, each one that equals the one before it left out. */
export function changesOnly(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let last: string | undefined;
  const filtered: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return step;
        const sent = JSON.stringify(step.value);
        if (sent !== last) {
          last = sent;
          return step;
        }
      }
    },
    return: (value?: unknown) =>
      iterator.return ? iterator.return(value) : Promise.resolve({ done: true as const, value: undefined }),
    throw: (error?: unknown) => (iterator.throw ? iterator.throw(error) : Promise.reject(error)),
    [Symbol.asyncIterator]: () => filtered,
  };
  return filtered;
}
