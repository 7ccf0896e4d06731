/**
 * Watching the jobs of every webhook endpoint, with nobody subscribed: each instance holds one
 * `watchJobs` stream of the live-update engine per endpoint, with the endpoint's stored credentials,
 * and records what each snapshot shows (`store.recordJob`, which inserts the deliveries of a move),
 * through a queue per endpoint that keeps the moves seen, in order, while the database cannot record
 * them (watcher-queue.ts): the moves seen during an outage are recorded, and sent, once it is back.
 * The streams join the engine's list pollers, so an organization's job list is polled once per
 * interval across the fleet whatever the number of endpoints and dashboards watching it (one
 * poller per organization, one lease holder per topic on Redis); every instance records the same
 * moves, and the store inserts each once.
 *
 * The endpoints to watch are re-read every `rescanMs` (another instance's registrations, updates and
 * deletions) and at once after a change made here (`refresh`). A stream the upstream ends with
 * UNAUTHENTICATED or FORBIDDEN pauses its endpoint with the reason; any other end is retried at the
 * next rescan.
 *
 * A failed job whose list entry does not say why (Together's: failure-reason.ts) is read in full
 * before its move is recorded, and only when the move sends the endpoint an event (`recordSeen`).
 */
import type { Logger } from 'pino';
import type { LiveUpdates } from '../live/hub.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { JobShape } from '../providers/job-shape.js';
import { outageLog, type OutageMessages } from '../telemetry/outage-log.js';
import { isUpstreamError } from '../upstream/errors.js';
import { failureReasons, type FullJobRead } from './failure-reason.js';
import { pausedReason } from './paused-reason.js';
import { engineCredentials, recordSeen } from './record-seen.js';
import { MoveQueue, type WatchedEndpoint } from './watcher-queue.js';
import type { WebhookStore } from './webhook-store.js';

export interface WebhookWatcherOptions {
  store: WebhookStore;
  /** Each enabled provider's live updates: what the streams join. */
  hubs: ReadonlyMap<ProviderName, LiveUpdates>;
  now: () => number;
  rescanMs: number;
  logger: Logger;
  /** Told when a snapshot inserted deliveries, so that they go out without waiting for the next scan. */
  onDeliveries?: () => void;
  /** Told when an endpoint is paused (metrics). */
  onPaused?: () => void;
  /**
   * Each provider's read of a job in full, for a failed job its list shows without why
   * (`failureReasonUnread`: Together's). Without one, such a job's events say `message: null`.
   */
  fullJobs?: Partial<Record<ProviderName, FullJobRead>>;
  /** How long after a failed recording an endpoint's moves are tried again. @default 2_000 */
  recordRetryMs?: number;
  /** Jobs per endpoint whose moves are kept while they cannot be recorded (watcher-queue.ts). @default 5_000 */
  queuedJobs?: number;
}

export interface WebhookWatcher {
  /** Re-reads the endpoints now (after a change made on this instance). */
  refresh(): Promise<void>;
  /** Endpoints watched by this instance. */
  watchedCount(): number;
  /** Moves seen and not yet recorded (the database slow or out of reach), all endpoints. */
  unrecordedCount(): number;
  /** Queues of moves kept (watcher-queue.ts): one per endpoint watched, or no longer watched and still recording. */
  queueCount(): number;
  close(): Promise<void>;
}

interface Watch {
  /** What the stream was opened with: a change (events, credentials) reopens it. */
  fingerprint: string;
  abort: AbortController;
  done: Promise<void>;
}

const fingerprintOf = (e: WatchedEndpoint): string =>
  JSON.stringify([e.events, e.credentials.token, e.credentials.organizationId ?? null, e.updatedAt.getTime()]);

const SCAN_OUTAGE: OutageMessages = {
  level: 'error',
  failed: 'reading the webhook endpoints failed (logged again once it works)',
  back: 'reading the webhook endpoints works again',
};

const RECORD_OUTAGE: OutageMessages = {
  level: 'error',
  failed: 'recording webhook moves failed: they are kept in memory and tried again (logged again once it works)',
  back: 'recording webhook moves works again: the moves kept are recorded',
};

/** How long after a failed recording the moves waiting are tried again: an outage costs a connection attempt per endpoint per turn. */
const RECORD_RETRY_MS = 2_000;
/** A job's moves kept while they cannot be recorded: more than a job makes (queued, starting, running, an end). */
const MOVES_PER_JOB = 16;
/** Jobs per endpoint with moves kept: the list's window (1,000) and the jobs followed past it (1,000), with room. */
const QUEUED_JOBS = 5_000;

/** Unfinished jobs a new watch follows at most (the engine reads them by id in turns, a few a poll). */
const FOLLOWED_AT_MOST = 1_000;

/**
 * The jobs the endpoint last saw unfinished, for its watch to follow even past the list's window (a
 * new poller knows only the jobs it lists: after a restart, one such job would stay running here for
 * ever). A store that cannot answer leaves the watch to what the list shows, as before.
 */
async function unfinished(
  store: WebhookWatcherOptions['store'],
  logger: WebhookWatcherOptions['logger'],
  endpoint: WatchedEndpoint,
): Promise<string[]> {
  try {
    return await store.unfinishedJobIds(endpoint.id, FOLLOWED_AT_MOST);
  } catch (error) {
    logger.warn({ endpointId: endpoint.id, err: error }, 'reading the jobs a webhook endpoint saw unfinished failed');
    return [];
  }
}

/**
 * Each endpoint's queue of moves waiting to be recorded (watcher-queue.ts), shared by its watches
 * (`holding`: one replacing another keeps the moves in order), freed once none holds it and it has
 * drained (the moves seen before its last watch stopped, deleted or paused, are recorded first; a
 * later watch makes a new one). `onGap`: moves of the endpoint were not kept past the bound.
 */
function watchQueues(options: WebhookWatcherOptions, signal: AbortSignal, onGap: (endpointId: string) => void) {
  const { store, now, logger } = options;
  const queues = new Map<string, { queue: MoveQueue; holders: number }>();
  const recording = { store, now, logger, reasons: failureReasons(options.fullJobs ?? {}, signal) };
  const outage = outageLog(logger, RECORD_OUTAGE);
  const free = (endpointId: string): void => {
    const held = queues.get(endpointId);
    if (held && held.holders === 0 && held.queue.size() === 0) queues.delete(endpointId);
  };
  const all = (): MoveQueue[] => Array.from(queues.values(), (held) => held.queue);
  const make = (endpointId: string): MoveQueue =>
    new MoveQueue(endpointId, {
      record: async (move) => {
        const inserted = await recordSeen(recording, move, () => signal.aborted);
        // Once the queue has counted this move: the last one of a queue no watch holds frees it.
        if (queues.get(endpointId)?.holders === 0) setImmediate(() => free(endpointId));
        return inserted;
      },
      retryMs: options.recordRetryMs ?? RECORD_RETRY_MS,
      movesPerJob: MOVES_PER_JOB,
      jobs: options.queuedJobs ?? QUEUED_JOBS,
      logger,
      outage,
      ...(options.onDeliveries ? { onDeliveries: options.onDeliveries } : {}),
      onGap: () => onGap(endpointId),
    });
  return {
    /** The endpoint's queue, held by a watch for as long as `watching` lasts. */
    async holding(endpointId: string, watching: (queue: MoveQueue) => Promise<void>): Promise<void> {
      const held = queues.get(endpointId) ?? { queue: make(endpointId), holders: 0 };
      held.holders += 1;
      queues.set(endpointId, held);
      try {
        await watching(held.queue);
      } finally {
        held.holders -= 1;
        free(endpointId);
      }
    },
    count: () => queues.size,
    unrecorded: () => all().reduce((sum, queue) => sum + queue.size(), 0),
    close: () => closeQueues(logger, all()),
  };
}

/**
 * Hands each snapshot to the endpoint's queue as it comes, never waiting for the database: the engine
 * keeps only the latest state of a job its reader has not taken, and a move merged there is lost
 * (watcher-queue.ts). `afterGap`: the jobs seen so far by a watch reopened after moves were not kept
 * (each one's first sight is recorded after a gap); null otherwise.
 */
async function queueAll(
  stream: AsyncIterable<{ job: unknown }>,
  queue: MoveQueue,
  { endpoint, now, afterGap }: { endpoint: WatchedEndpoint; now: () => number; afterGap: Set<string> | null },
): Promise<void> {
  for await (const snapshot of stream) {
    const job = snapshot.job as JobShape;
    const first = afterGap !== null && !afterGap.has(job.id);
    if (first) afterGap.add(job.id);
    queue.push({ endpoint, job, seenAt: new Date(now()), afterGap: first });
  }
}

/** A watch's stream ended: the endpoint paused when the upstream refused its credentials, else retried at the next rescan. */
async function watchEnded(options: WebhookWatcherOptions, endpoint: WatchedEndpoint, error: unknown): Promise<void> {
  const { store, now, logger } = options;
  if (isUpstreamError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
    const reason = pausedReason(error, endpoint.credentials.token, now());
    logger.warn({ endpointId: endpoint.id, code: error.code }, 'webhook endpoint paused: credentials refused');
    await store.pauseEndpoint(endpoint.id, reason, new Date(now()));
    options.onPaused?.();
    return;
  }
  logger.warn({ endpointId: endpoint.id, err: error }, 'webhook watch ended; retried at the next rescan');
}

/** Stops the queues; the moves still waiting (the database out of reach at shutdown) are lost, and said so. */
async function closeQueues(logger: Logger, queues: MoveQueue[]): Promise<void> {
  const left = await Promise.all(queues.map((queue) => queue.close()));
  const unrecorded = left.reduce((sum, n) => sum + n, 0);
  if (unrecorded > 0)
    logger.warn(
      { unrecorded },
      'webhook moves seen but not recorded at shutdown (the database out of reach): ' +
        "the next watch compares each job's status with the one stored",
    );
}

export function createWebhookWatcher(options: WebhookWatcherOptions): WebhookWatcher {
  const { store, hubs, now, logger } = options;
  const watches = new Map<string, Watch>();
  // Endpoints whose next watch records each job's first sight after a gap (moves not kept: watcher-queue.ts).
  const gapped = new Set<string>();
  let closed = false;
  // Ends the full reads in flight at close (a read is shared by the watches of an owner's endpoints).
  const closing = new AbortController();
  const queues = watchQueues(options, closing.signal, (endpointId) => {
    // Reopened at once: the scan starts its next watch, which compares each job with the stored status.
    gapped.add(endpointId);
    watches.get(endpointId)?.abort.abort();
    watches.delete(endpointId);
    void refresh();
  });

  async function follow(endpoint: WatchedEndpoint, hub: LiveUpdates, signal: AbortSignal): Promise<void> {
    const followed = await unfinished(store, logger, endpoint);
    if (signal.aborted || closed) return;
    const afterGap = gapped.delete(endpoint.id) ? new Set<string>() : null;
    const stream = hub.watchJobs(engineCredentials(endpoint), {}, { signal, follow: followed });
    try {
      await queues.holding(endpoint.id, (queue) => queueAll(stream, queue, { endpoint, now, afterGap }));
    } catch (error) {
      if (signal.aborted || closed) return;
      await watchEnded(options, endpoint, error);
    }
  }

  function start(endpoint: WatchedEndpoint): void {
    const hub = hubs.get(endpoint.provider);
    if (!hub) return;
    const abort = new AbortController();
    const watch: Watch = { fingerprint: fingerprintOf(endpoint), abort, done: Promise.resolve() };
    watch.done = follow(endpoint, hub, abort.signal)
      .catch((error: unknown) => logger.error({ endpointId: endpoint.id, err: error }, 'webhook watch failed'))
      .finally(() => {
        if (watches.get(endpoint.id) === watch) watches.delete(endpoint.id);
      });
    watches.set(endpoint.id, watch);
  }

  async function scan(): Promise<void> {
    const endpoints = await store.watchedEndpoints(new Date(now()));
    if (closed) return;
    const wanted = new Map(endpoints.map((e) => [e.id, e]));
    for (const [id, watch] of watches) {
      const endpoint = wanted.get(id);
      if (endpoint && fingerprintOf(endpoint) === watch.fingerprint) continue;
      watch.abort.abort();
      watches.delete(id);
    }
    for (const endpoint of endpoints) if (!watches.has(endpoint.id)) start(endpoint);
  }

  // Scans run one at a time; a refresh during a scan queues one more (the running one may have read
  // the endpoints before the change), and refreshes while that one waits share it.
  const scanLog = outageLog(logger, SCAN_OUTAGE);
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    queued ??= tail.then(() => {
      queued = null;
      return scan().then(scanLog.succeeded, scanLog.failed);
    });
    tail = queued;
    return queued;
  };

  const timer = setInterval(() => void refresh(), options.rescanMs);
  timer.unref();
  void refresh();

  return {
    refresh,
    watchedCount: () => watches.size,
    unrecordedCount: queues.unrecorded,
    queueCount: queues.count,
    async close() {
      closed = true;
      closing.abort();
      clearInterval(timer);
      await tail;
      const all = [...watches.values()];
      for (const watch of all) watch.abort.abort();
      await Promise.all(all.map((w) => w.done));
      await queues.close();
    },
  };
}
