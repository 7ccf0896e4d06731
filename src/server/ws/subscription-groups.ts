/**
 * Groups of identical subscriptions: one source (one GraphQL execution per event) shared by every
 * member of a group, with each event serialised once for all of them. Transport-agnostic: the key
 * is the caller's to build, and it alone decides who may share what (see group-key.ts:
 * same document, operation, variables and connection parameters, so the same credentials).
 *
 * Why: the fan-out benchmark (bench/RESULTS.md) showed that with thousands of subscribers per job,
 * delivering one change was dominated by per-subscriber work (a Repeater, an execution, yoga's result
 * hooks, a JSON.stringify, and the garbage all that leaves), not by the socket writes.
 *
 * Only for subscriptions whose every event is the whole current state (`jobUpdated`): a member that
 * joins a live group starts from the group's latest event, which is then exactly what a fresh
 * subscription would have sent first. Per-member queues are sliding, like the hub's per-subscriber
 * buffers, for the same reason: a slow reader may skip intermediate states, never the last one.
 *
 * Each member's stream is a Repeater with a SlidingBuffer (as in src/live/open-stream.ts): `return()`
 * takes effect at once even while `next()` waits for the group's next event, which an async generator
 * parked in an await would not notice. A member joins its group when its stream starts (its first
 * `next()`), so a stream returned before it ever started joins nothing and leaves nothing open.
 */
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';

/** One event of a group, serialised on first demand and then shared. */
export interface GroupEvent<R> {
  readonly result: R;
  /** `JSON.stringify` of the result, made once per event whatever the number of members. */
  json(): string;
  /** The same as UTF-8 bytes, encoded once. */
  bytes(): Buffer;
}

export interface SubscriptionGroupsOptions {
  /** Events kept per member that reads slower than events arrive; past it the oldest are dropped. @default 64 */
  bufferSize?: number;
}

/** What `join` opens when the key has no live group: the source, or one result (an error before any stream). */
export type OpenSource<R> = (signal: AbortSignal) => Promise<AsyncIterable<R> | R>;

export interface SubscriptionGroups<R> {
  /**
   * A member's stream of the group `key`. When it starts, it joins the group, opening it with `open`
   * if none is live, and starts with the group's latest event, if it has one; it ends when the source
   * ends (or throws its error). `return()` leaves the group; the last member leaving ends the source
   * and aborts `signal`.
   */
  join(key: string, open: OpenSource<R>): AsyncIterableIterator<GroupEvent<R>>;
  /** Groups alive. */
  readonly size: number;
}

interface Member<R> {
  push(event: GroupEvent<R>): void;
  end(error?: unknown): void;
}

interface Group<R> {
  members: Set<Member<R>>;
  latest: GroupEvent<R> | undefined;
  abort: AbortController;
  close(): void;
}

export function createSubscriptionGroups<R>(options: SubscriptionGroupsOptions = {}): SubscriptionGroups<R> {
  const bufferSize = options.bufferSize ?? 64;
  const groups = new Map<string, Group<R>>();
  const forget = (key: string, group: Group<R>) => {
    if (groups.get(key) === group) groups.delete(key);
  };

  return {
    join(key, open) {
      return new Repeater<GroupEvent<R>>(async (push, stop) => {
        let group = groups.get(key);
        if (!group) {
          const opened: Group<R> = startGroup(open, () => forget(key, opened));
          groups.set(key, opened);
          group = opened;
        }
        // With a sliding buffer a push never waits; a push after the end is ignored.
        const member: Member<R> = { push: (event) => void push(event).catch(() => {}), end: (error) => stop(error) };
        if (group.latest) member.push(group.latest);
        group.members.add(member);
        await stop;
        if (group.members.delete(member) && group.members.size === 0) group.close();
      }, new SlidingBuffer(bufferSize));
    },
    get size() {
      return groups.size;
    },
  };
}

function eventOf<R>(result: R): GroupEvent<R> {
  let json: string | undefined;
  let bytes: Buffer | undefined;
  const event: GroupEvent<R> = {
    result,
    json: () => (json ??= JSON.stringify(result)),
    bytes: () => (bytes ??= Buffer.from(event.json())),
  };
  return event;
}

/** Opens the group's source and hands each of its events to every member; `onClose` forgets the group. */
function startGroup<R>(open: OpenSource<R>, onClose: () => void): Group<R> {
  let iterator: AsyncIterator<R> | undefined;
  let closed = false;
  const group: Group<R> = {
    members: new Set(),
    latest: undefined,
    abort: new AbortController(),
    close() {
      if (closed) return;
      closed = true;
      onClose();
      group.abort.abort();
      void iterator?.return?.()?.catch(() => {});
    },
  };
  const finish = (error?: unknown) => {
    const ending = [...group.members];
    group.members.clear();
    group.close();
    for (const member of ending) member.end(error);
  };

  void (async () => {
    try {
      const source = await open(group.abort.signal);
      if (!isAsyncIterable(source)) {
        const event = eventOf(source);
        for (const member of group.members) member.push(event);
        return finish();
      }
      iterator = source[Symbol.asyncIterator]();
      if (closed) return void iterator.return?.()?.catch(() => {});
      for (;;) {
        const step = await iterator.next();
        if (step.done || closed) break;
        const event = eventOf(step.value);
        group.latest = event;
        for (const member of group.members) member.push(event);
      }
      finish();
    } catch (error) {
      finish(error);
    }
  })();
  return group;
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof Object(value)[Symbol.asyncIterator] === 'function';
}
