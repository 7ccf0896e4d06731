/**
 * The shared pollers of one kind alive in this instance, one per topic: a subscriber joins the
 * topic's poller if one runs, or starts it. A poller leaves the registry as it starts disposing, so
 * that a subscriber arriving meanwhile starts a fresh one rather than join one that is ending.
 */
import type { Clock } from './clock.js';
import { observedStrategy, type LiveUpdatesObserver, type PollerTracer } from './observed.js';
import type { Intervals, LiveUpdatesLogger } from './options.js';
import { createSharedPoller, type PollStrategy, type SharedPoller } from './shared-poller.js';
import { topicKey, type Topic, type Transport } from './transport.js';

interface PollerEntry<S> {
  poller: SharedPoller;
  strategy: S;
}

export interface PollerRegistryDeps {
  transport: Transport;
  intervals: Intervals;
  clock: Clock;
  logger: LiveUpdatesLogger;
  observer: LiveUpdatesObserver | undefined;
  /** Groups each poller's polls into one trace; none without tracing. */
  tracer: PollerTracer | undefined;
  /** Called when a topic's poller is gone (the hub stops counting its lease). */
  forget(topic: Topic): void;
  /** Called when a topic's poller starts (true) or stops (false) backing off (see SharedPollerOptions). */
  onFailing?(topic: Topic, failing: boolean): void;
}

export interface PollerRegistry<S extends PollStrategy> {
  /** The topic's poller, started with the strategy `makeStrategy` gives when none is alive. */
  entryFor(topic: Topic, makeStrategy: () => S): PollerEntry<S>;
  /** Pollers alive. */
  readonly size: number;
  /** Disposes every poller (each completes its members and releases its lease). */
  disposeAll(): Promise<void>;
}

export function createPollerRegistry<S extends PollStrategy>(deps: PollerRegistryDeps): PollerRegistry<S> {
  const entries = new Map<string, PollerEntry<S>>();
  return {
    entryFor(topic, makeStrategy) {
      const key = topicKey(topic);
      const existing = entries.get(key);
      if (existing) return existing;
      const strategy = makeStrategy();
      const trace = deps.tracer?.start(topic.kind);
      const entry: PollerEntry<S> = {
        strategy,
        poller: createSharedPoller({
          topic,
          strategy: observedStrategy(strategy, topic.kind, deps.observer, trace),
          transport: deps.transport,
          intervals: deps.intervals,
          clock: deps.clock,
          logger: deps.logger,
          onDisposed: () => {
            trace?.end();
            if (entries.get(key) === entry) entries.delete(key);
            deps.forget(topic);
          },
          onFailing: (failing) => deps.onFailing?.(topic, failing),
        }),
      };
      entries.set(key, entry);
      return entry;
    },
    get size() {
      return entries.size;
    },
    async disposeAll() {
      await Promise.all([...entries.values()].map((entry) => entry.poller.dispose()));
    },
  };
}
