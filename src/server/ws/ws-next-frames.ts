/**
 * The last step of a grouped subscription: each event written on a member's WebSocket as graphql-ws's
 * own `next` message, `{"id":…,"type":"next","payload":…}` around the group's serialised result
 * (subscription-groups.ts), so that the result is stringified once per event, not once per member
 * as graphql-ws would. Errors, completion and unsubscribing still go through graphql-ws. The errors
 * of each event written are counted in the member's account of the metrics (socket-tallies.ts), as
 * graphql-ws-options.ts's `onNext` counts those of an operation run on its own.
 */
import type { Socket } from 'node:net';
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { OperationTally } from '../operation-tally.js';
import type { GroupEvent } from './subscription-groups.js';

const NEXT_TAIL = Buffer.from('}');

/**
 * The member's stream as graphql-ws expects one (an async iterable with `return`), except that it
 * writes each event to the socket itself and yields nothing: when the group ends, graphql-ws sends
 * `complete` (or `error` for a thrown error) as usual, and `return()` (the client's `complete`, or the
 * socket closing) leaves the group.
 */
export function writeNextMessages(
  events: AsyncIterableIterator<GroupEvent<ExecutionResult>>,
  socket: WebSocket,
  tcp: Socket,
  id: string,
  tally: OperationTally | null = null,
): AsyncIterableIterator<never> {
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  const send = (data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      batchWrites(tcp);
      socket.send(data, { binary: false }, (error) => (error ? reject(error) : resolve()));
    });
  const stream: AsyncIterableIterator<never> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      for (;;) {
        const step = await events.next();
        if (step.done) return { value: undefined, done: true };
        const { errors } = step.value.result;
        if (errors && tally && socket.readyState === socket.OPEN) tally.errors(errors);
        await send(Buffer.concat([head, step.value.bytes(), NEXT_TAIL]));
      }
    },
    return: () => events.return!() as Promise<IteratorResult<never>>,
    // A Repeater's `throw()` on a started stream waits like `next()`: leave the group at once instead.
    throw: async (error: unknown) => {
      await events.return!();
      throw error;
    },
  };
  return stream;
}

const corked = new WeakSet<Socket>();

/**
 * Holds a connection's writes until the current turn of the event loop is over, then flushes them
 * in one `writev`: one event reaches all of a group's members on a socket in the same turn, and
 * one system call per message was most of the cost left once executions were shared (bench/RESULTS.md).
 */
function batchWrites(tcp: Socket): void {
  if (corked.has(tcp)) return;
  corked.add(tcp);
  tcp.cork();
  process.nextTick(() => {
    corked.delete(tcp);
    tcp.uncork();
  });
}
