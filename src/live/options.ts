/**
 * Options of `createLiveUpdates`, each documented with its default where it is declared, and their
 * resolution into one validated, fully defaulted value. A bad interval throws at creation, naming it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { UpstreamClient } from '../upstream/types.js';

/**
 * What the engine asks of a provider: a job, its metrics, a page of the list. Nscale's client is
 * one; another provider is adapted to it (src/providers/together-live-client.ts). A provider whose
 * list has no paging answers `listJobs` with the whole rest of the list from `offset`, whatever the
 * `limit`, and its `total`: the engine then reads it once per poll (list-window.ts).
 */
export type LiveClient = Pick<UpstreamClient, 'getJob' | 'getMetrics' | 'listJobs'>;
import { systemClock, type Clock } from './clock.js';
import type { LiveUpdatesObserver, PollerTracer, PublishListener } from './observed.js';

/** Subset of pino's Logger, so a pino logger can be passed as is. */
export interface LiveUpdatesLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RedisConnections {
  /** Runs commands: lease SET/renew/release, the last-state key and PUBLISH. The hub never closes it. */
  publisher: Redis;
  /**
   * Put in subscriber mode by the hub. Give each hub its own: a hub unsubscribes channels when its
   * last local subscriber leaves, which would cut off another hub sharing the connection. Never closed by the hub.
   */
  subscriber: Redis;
}

export interface IntervalOptions {
  /** Poll interval of a job that is `running` (job and metrics). @default 2_000 */
  runningMs?: number;
  /** Poll interval of a job that is `queued` or `starting`, or not yet seen (job only). @default 5_000 */
  queuedMs?: number;
  /** Poll interval of an organization's job list (`jobsUpdated`). @default 5_000 */
  listMs?: number;
  /** Upper bound of the exponential backoff while the upstream fails; a longer Retry-After still wins. @default 30_000 */
  maxBackoffMs?: number;
  /**
   * How long the upstream may fail without a break before the poller gives up and ends its
   * subscriptions with the last error (coded). Until then subscribers just wait, and get the
   * changes once the upstream answers again. @default 300_000 // 5 minutes
   */
  giveUpAfterMs?: number;
  /**
   * Lifetime of a Redis poll lease; the holder renews it every third of this. Only a backstop now:
   * a holder whose instance dies is found by its heartbeat (`heartbeatMs`) long before. @default 10_000
   */
  leaseMs?: number;
  /**
   * Lifetime of an instance's Redis heartbeat key, refreshed every third of it; standby instances
   * check the heartbeats of the lease holders in their way every sixth of it. An instance that dies
   * holding leases is replaced within 7/6 of this plus a Redis round trip (1.75 s by default: under
   * one running job's poll interval). Shorter fails over faster, but an instance whose event loop
   * stalls for two thirds of it loses its leases (safely: it is fenced, and simply takes them back
   * later as a standby). @default 1_500
   */
  heartbeatMs?: number;
  /**
   * On an instance that does not hold a topic's lease (it does not poll), how often each of its
   * subscribers' tokens is re-checked with the upstream (one at a time, round robin, spread over the
   * interval; at most one per poll interval), so that a revoked token stops receiving another
   * instance's events there too within about this long. 0 turns it off. @default 60_000
   */
  standbyRecheckMs?: number;
}

export interface LiveUpdatesOptions {
  /** The upstream client; every call carries one subscriber's own credentials. */
  client: LiveClient;
  /**
   * With Redis, events travel through pub/sub and one instance at a time polls each job (a lease).
   * Two connections, opened (and closed) by whoever assembles the gateway: the hub never opens one. @default in-process only
   */
  redis?: RedisConnections;
  /**
   * With Redis: the secret shared by every instance, signing what they publish; a message unsigned or
   * signed with another secret is dropped and logged (snapshot-codec.ts). @default null: unsigned
   */
  messageSecret?: string | null;
  /** With `messageSecret`: one more secret that messages may be signed with, checked but never signed with (a rotation). @default null */
  acceptedMessageSecret?: string | null;
  /** Prefix of every Redis key and channel; lets tests and deployments share a server. @default 'ftgw:live:' */
  keyPrefix?: string;
  /** Names this instance in lease values and logs. @default a random UUID */
  instanceId?: string;
  /**
   * The time (compared with tokens' `exp`) and the timers of polls, lease renewals and token-expiry
   * endings. @default systemClock (Date.now, setTimeout)
   */
  clock?: Clock;
  intervals?: IntervalOptions;
  /**
   * Snapshots kept per `jobUpdated` subscriber that reads slower than changes arrive; past it the
   * oldest are dropped. Safe because each snapshot is the whole state (all metric points so far) and
   * the terminal one is always last, so a slow reader skips intermediate states, never the outcome.
   * (`jobsUpdated` streams keep the latest state of each job instead: see latest-per-job-queue.ts.) @default 64
   */
  bufferSize?: number;
  /** `limit` of each `GET /jobs` call of `jobsUpdated`; the upstream accepts at most 100. @default 100 */
  listPageSize?: number;
  /**
   * The list's window: the most jobs a list poll reads (pages of `listPageSize`, newest first, until
   * `total` or this), and the jobs a `jobsUpdated` subscriber is first sent. A job the poller has seen
   * not finished goes on being watched after newer jobs push it past the window: it is read by id
   * (`getJob`) at each list poll until it finishes (`listFollowPerPoll`). A job already past the window
   * when the poller starts (or created and pushed past it within one list interval) is not watched,
   * unless a subscriber names it (`watchJobs`' `follow`). @default 1_000
   */
  listMaxJobs?: number;
  /**
   * Most jobs past the list's window read by id in one list poll (4 at a time). More wait their turn,
   * the longest unread first: with N such jobs, each is read every ceil(N / this) list intervals. An
   * upstream without paging (Together) answers them with the list: no call. @default 25
   */
  listFollowPerPoll?: number;
  /** @default silent */
  logger?: LiveUpdatesLogger;
  /** Hears of each poll (the gateway's metrics; see observed.ts). @default none */
  observer?: LiveUpdatesObserver;
  /** Runs each poller's polls in one trace (the gateway's tracing; see observed.ts). @default none */
  tracer?: PollerTracer;
  /**
   * Hears of what changed as soon as this instance's poller knows it, before it is published (with
   * Redis, by the lease holder only: once per change for every instance); see observed.ts. The
   * gateway's response cache evicts those jobs. @default none
   */
  onChange?: PublishListener;
}

const positiveMs = z.number().int().positive();
const intervalsSchema = z.object({
  runningMs: positiveMs.default(2_000),
  queuedMs: positiveMs.default(5_000),
  listMs: positiveMs.default(5_000),
  maxBackoffMs: positiveMs.default(30_000),
  giveUpAfterMs: positiveMs.default(300_000),
  leaseMs: z.number().int().min(30).default(10_000),
  heartbeatMs: z.number().int().min(30).default(1_500),
  standbyRecheckMs: z.number().int().min(0).default(60_000),
});
const restSchema = z.object({
  keyPrefix: z.string().default('ftgw:live:'),
  instanceId: z.string().min(1).optional(),
  bufferSize: z.number().int().min(1).default(64),
  listPageSize: z.number().int().min(1).max(100).default(100),
  listMaxJobs: z.number().int().min(1).default(1_000),
  listFollowPerPoll: z.number().int().min(1).default(25),
});

export type Intervals = z.output<typeof intervalsSchema>;

/** The intervals' defaults, for the gateway's settings (src/config.ts), which declare none of their own. */
export const DEFAULT_INTERVALS: Readonly<Intervals> = intervalsSchema.parse({});

export interface ResolvedOptions extends z.output<typeof restSchema> {
  client: LiveClient;
  redis: LiveUpdatesOptions['redis'];
  instanceId: string;
  intervals: Intervals;
  clock: Clock;
  logger: LiveUpdatesLogger;
  messageSecret: string | null;
  acceptedMessageSecret: string | null;
}

const silent: LiveUpdatesLogger = { debug() {}, warn() {}, error() {} };

export function resolveOptions(options: LiveUpdatesOptions): ResolvedOptions {
  const intervals = parse(intervalsSchema, options.intervals ?? {}, 'intervals.');
  const rest = parse(
    restSchema,
    {
      keyPrefix: options.keyPrefix,
      instanceId: options.instanceId,
      bufferSize: options.bufferSize,
      listPageSize: options.listPageSize,
      listMaxJobs: options.listMaxJobs,
      listFollowPerPoll: options.listFollowPerPoll,
    },
    '',
  );
  return {
    ...rest,
    client: options.client,
    redis: options.redis,
    instanceId: rest.instanceId ?? randomUUID(),
    intervals,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silent,
    messageSecret: options.messageSecret ?? null,
    acceptedMessageSecret: options.acceptedMessageSecret ?? null,
  };
}

function parse<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`live updates option ${prefix}${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
