/**
 * Watching the jobs of every webhook endpoint, with nobody subscribed: each instance holds one
 * `watchJobs` stream of the live-update engine per endpoint, with the endpoint's stored credentials,
 * and records what each snapshot shows (`store.recordJob`, which inserts the deliveries of a move).
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
import { togetherLiveCredentials } from '../providers/together-live-client.js';
import { failureReasonUnread, type JobShape } from '../providers/job-shape.js';
import { outageLog, type OutageMessages } from '../telemetry/outage-log.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { Credentials } from '../upstream/types.js';
import { eventsOfMove } from './events.js';
import { failureReasons, type FailureReasons, type FullJobRead } from './failure-reason.js';
import { pausedReason } from './paused-reason.js';
import { webhookBody } from './payload.js';
import type { EndpointSecrets, SeenJob, StoredDelivery, StoredEndpoint, WebhookStore } from './webhook-store.js';

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
}

export interface WebhookWatcher {
  /** Re-reads the endpoints now (after a change made on this instance). */
  refresh(): Promise<void>;
  /** Endpoints watched by this instance. */
  watchedCount(): number;
  close(): Promise<void>;
}

type WatchedEndpoint = StoredEndpoint & EndpointSecrets;

interface Watch {
  /** What the stream was opened with: a change (events, credentials) reopens it. */
  fingerprint: string;
  abort: AbortController;
  done: Promise<void>;
}

const fingerprintOf = (e: WatchedEndpoint): string =>
  JSON.stringify([e.events, e.credentials.token, e.credentials.organizationId ?? null, e.updatedAt.getTime()]);

/** The engine's credentials for an endpoint's owner (Together: the key and its fingerprint as account). */
function engineCredentials(endpoint: WatchedEndpoint): Credentials {
  const { token, organizationId } = endpoint.credentials;
  if (endpoint.provider === 'together') return togetherLiveCredentials(token);
  return { token, organizationId: organizationId ?? endpoint.ownerKey };
}

export function seenJob(provider: ProviderName, job: JobShape, at: Date): SeenJob {
  return {
    jobId: job.id,
    status: job.status,
    bodies: (previous) =>
      eventsOfMove(previous, job.status).map((type) => ({
        type,
        body: webhookBody(type, provider, job, previous, at),
      })),
  };
}

/** Thrown from `SeenJob.bodies` to roll a move back: its events need the job's failure reason first. */
class ReasonFirst extends Error {}

/**
 * What the watch of `endpoint` does with a snapshot: `store.recordJob`. A failed job whose list entry
 * does not say why is first recorded with bodies that roll the move back when it sends the endpoint an
 * event (the store compares with the status it holds, under its lock: a job seen failed before, or
 * seen again at each watch's start, costs no read); then its full job is read and the move recorded
 * with its reason. A read that fails does not lose the move: it is recorded with `message: null`,
 * since the job, failed for good, never shows in another snapshot that would record it again (unless
 * the watch is closing: its move stays unrecorded, for the next watch's first snapshot to record).
 */
async function recordSeen(
  deps: Pick<WebhookWatcherOptions, 'store' | 'now' | 'logger'> & { reasons: FailureReasons },
  endpoint: WatchedEndpoint,
  job: JobShape,
  stopped: () => boolean,
): Promise<StoredDelivery[]> {
  const { store, now, logger, reasons } = deps;
  const seen = seenJob(endpoint.provider, job, new Date(now()));
  if (!failureReasonUnread(job) || !reasons.readable(endpoint.provider))
    return store.recordJob(endpoint, seen, new Date(now()));
  const wanted = new Set(endpoint.events);
  const unlessSent: SeenJob = {
    ...seen,
    bodies(previous) {
      const bodies = seen.bodies(previous);
      if (bodies.some(({ type }) => wanted.has(type))) throw new ReasonFirst();
      return bodies;
    },
  };
  try {
    return await store.recordJob(endpoint, unlessSent, new Date(now()));
  } catch (error) {
    if (!(error instanceof ReasonFirst)) throw error;
  }
  let full = job;
  try {
    full = await reasons.withReason(endpoint, engineCredentials(endpoint), job);
  } catch (error) {
    if (stopped()) throw error;
    logger.warn(
      { endpointId: endpoint.id, jobId: job.id, err: error },
      "reading a failed job in full failed: its webhooks go out without the failure's message",
    );
  }
  return store.recordJob(endpoint, seenJob(endpoint.provider, full, new Date(now())), new Date(now()));
}

const SCAN_OUTAGE: OutageMessages = {
  level: 'error',
  failed: 'reading the webhook endpoints failed (logged again once it works)',
  back: 'reading the webhook endpoints works again',
};

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

export function createWebhookWatcher(options: WebhookWatcherOptions): WebhookWatcher {
  const { store, hubs, now, logger } = options;
  const watches = new Map<string, Watch>();
  let closed = false;
  // Ends the full reads in flight at close (a read is shared by the watches of an owner's endpoints).
  const closing = new AbortController();
  const recording = { store, now, logger, reasons: failureReasons(options.fullJobs ?? {}, closing.signal) };

  async function follow(endpoint: WatchedEndpoint, hub: LiveUpdates, signal: AbortSignal): Promise<void> {
    const followed = await unfinished(store, logger, endpoint);
    if (signal.aborted || closed) return;
    const stream = hub.watchJobs(engineCredentials(endpoint), {}, { signal, follow: followed });
    const stopped = () => signal.aborted || closed;
    try {
      for await (const snapshot of stream) {
        const inserted = await recordSeen(recording, endpoint, snapshot.job as JobShape, stopped);
        if (inserted.length > 0) options.onDeliveries?.();
      }
    } catch (error) {
      if (signal.aborted || closed) return;
      if (isUpstreamError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
        const reason = pausedReason(error, endpoint.credentials.token, now());
        logger.warn({ endpointId: endpoint.id, code: error.code }, 'webhook endpoint paused: credentials refused');
        await store.pauseEndpoint(endpoint.id, reason, new Date(now()));
        options.onPaused?.();
        return;
      }
      logger.warn({ endpointId: endpoint.id, err: error }, 'webhook watch ended; retried at the next rescan');
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
    async close() {
      closed = true;
      closing.abort();
      clearInterval(timer);
      await tail;
      const all = [...watches.values()];
      for (const watch of all) watch.abort.abort();
      await Promise.all(all.map((w) => w.done));
    },
  };
}
