/**
 * Recording one move a webhook watch saw (`recordSeen`): the job's events, built from the snapshot
 * as it was seen, inserted by `store.recordJob` when the move sends the endpoint any. A failed job
 * whose list entry does not say why (Together's: failure-reason.ts) is read in full first, and only
 * when its move sends the endpoint an event.
 */
import type { ProviderName } from '../providers/provider-name.js';
import { togetherLiveCredentials } from '../providers/together-live-client.js';
import { failureReasonUnread, type JobShape } from '../providers/job-shape.js';
import { eventsOfMove } from './events.js';
import type { FailureReasons } from './failure-reason.js';
import { webhookBody } from './payload.js';
import type { SeenMove, WatchedEndpoint } from './watcher-queue.js';
import type { WebhookWatcherOptions } from './watcher.js';
import type { SeenJob, StoredDelivery } from './webhook-store.js';
import type { Credentials } from '../upstream/types.js';

/** The engine's credentials for an endpoint's owner (Together: the key and its fingerprint as account). */
export function engineCredentials(endpoint: WatchedEndpoint): Credentials {
  const { token, organizationId } = endpoint.credentials;
  if (endpoint.provider === 'together') return togetherLiveCredentials(token);
  return { token, organizationId: organizationId ?? endpoint.ownerKey };
}

/** What the store records of a job seen at `at` (after a gap: the moves before it were not kept, watcher-queue.ts). */
export function seenJob(provider: ProviderName, job: JobShape, at: Date, afterGap = false): SeenJob {
  return {
    jobId: job.id,
    status: job.status,
    seenAt: at,
    ...(afterGap ? { afterGap } : {}),
    bodies: (previous, known) =>
      eventsOfMove(previous, job.status, known).map((type) => ({
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
export async function recordSeen(
  deps: Pick<WebhookWatcherOptions, 'store' | 'now' | 'logger'> & { reasons: FailureReasons },
  { endpoint, job, seenAt, afterGap }: SeenMove,
  stopped: () => boolean,
): Promise<StoredDelivery[]> {
  const { store, now, logger, reasons } = deps;
  const seen = seenJob(endpoint.provider, job, seenAt, afterGap);
  if (!failureReasonUnread(job) || !reasons.readable(endpoint.provider))
    return store.recordJob(endpoint, seen, new Date(now()));
  const wanted = new Set(endpoint.events);
  const unlessSent: SeenJob = {
    ...seen,
    bodies(previous, known) {
      const bodies = seen.bodies(previous, known);
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
  return store.recordJob(endpoint, seenJob(endpoint.provider, full, seenAt, afterGap), new Date(now()));
}
