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
 */

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
   * A member's stream of the group `key`, opening the group with `open` if none is live. The stream
   * starts with the group's latest event, if it has one, and ends when the source ends (or throws
   * its error). `return()` leaves the group; the last member leaving ends the source and aborts `signal`.
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

  const eventOf = (result: R): GroupEvent<R> => {
    let json: string | undefined;
    let bytes: Buffer | undefined;
    const event: GroupEvent<R> = {
      result,
      json: () => (json ??= JSON.stringify(result)),
      bytes: () => (bytes ??= Buffer.from(event.json())),
    };
    return event;
  };

  function start(key: string, open: OpenSource<R>): Group<R> {
    let iterator: AsyncIterator<R> | undefined;
    let closed = false;
    const group: Group<R> = {
      members: new Set(),
      latest: undefined,
      abort: new AbortController(),
      close() {
        if (closed) return;
        closed = true;
        if (groups.get(key) === group) groups.delete(key);
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

  return {
    join(key, open) {
      let group = groups.get(key);
      if (!group) {
        group = start(key, open);
        groups.set(key, group);
      }
      return memberStream(group, bufferSize);
    },
    get size() {
      return groups.size;
    },
  };
}

/**
 * A plain iterator rather than an async generator: `return()` must take effect at once, even while
 * `next()` waits for the group's next event (a generator parked in an await would not notice).
 */
function memberStream<R>(group: Group<R>, bufferSize: number): AsyncIterableIterator<GroupEvent<R>> {
  const queue: Array<GroupEvent<R>> = group.latest ? [group.latest] : [];
  let waiting: { resolve: (step: IteratorResult<GroupEvent<R>>) => void; reject: (error: unknown) => void } | undefined;
  let ended: { error?: unknown } | undefined;

  const member: Member<R> = {
    push(event) {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.resolve({ value: event, done: false });
        return;
      }
      queue.push(event);
      if (queue.length > bufferSize) queue.shift();
    },
    end(error) {
      ended = error === undefined ? {} : { error };
      if (!waiting) return;
      const w = waiting;
      waiting = undefined;
      if (error === undefined) w.resolve({ value: undefined, done: true });
      else w.reject(error);
    },
  };
  group.members.add(member);

  const leave = () => {
    if (!group.members.delete(member)) return;
    if (group.members.size === 0) group.close();
  };

  const stream: AsyncIterableIterator<GroupEvent<R>> = {
    [Symbol.asyncIterator]: () => stream,
    next() {
      const event = queue.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (ended) {
        const { error } = ended;
        ended = {}; // An error is thrown once; then the stream is simply done.
        return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      leave();
      queue.length = 0;
      member.end();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      leave();
      queue.length = 0;
      member.end();
      return Promise.reject(error);
    },
  };
  return stream;
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof Object(value)[Symbol.asyncIterator] === 'function';
}
