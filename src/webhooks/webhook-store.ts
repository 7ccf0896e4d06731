/**
 * What the webhook features ask of durable storage, whichever database holds it (PostgreSQL at
 * DATABASE_URL, or the embedded PGlite): endpoints with their sealed secrets and credentials, each
 * endpoint's last-seen job statuses, and deliveries with their attempts. Every method that a caller
 * reaches is scoped by `WebhookOwner`, so one owner can never read or change another's rows.
 *
 * Concurrency across instances is the store's: `recordJob` is idempotent (two instances seeing the
 * same change insert its deliveries once), and `claimDue` leases each delivery to one instance at a
 * time (FOR UPDATE SKIP LOCKED, a lease that outlives the attempt's timeout, fenced on finish).
 */
import type { ProviderName } from '../providers/provider-name.js';
import type { JobStatus } from '../upstream/schemas.js';
import type { CallCredentials } from '../upstream/types.js';
import type { CreationKeyStore } from './creation-key-store.js';
import type { DownloadGrantStore } from './download-grant-store.js';
import type { WebhookEventType } from './events.js';

/** Whose endpoints: a provider and its account (Nscale: the organization id; Together: the key's fingerprint). */
export interface WebhookOwner {
  provider: ProviderName;
  ownerKey: string;
}

/**
 * ACTIVE: delivering. PAUSED: the upstream refused the stored credentials (`stateReason` says how);
 * nothing is watched until the owner updates the endpoint (which stores their current credentials).
 * FAILING: a delivery ran out of retries, or the URL policy refuses the endpoint's URL (nothing is
 * sent to it); deliveries go on, and the next success (or any update) makes it ACTIVE.
 * DISABLED: the endpoint answered 410 Gone; nothing is sent until it is enabled again.
 */
export type EndpointState = 'active' | 'paused' | 'failing' | 'disabled';

export interface StoredEndpoint extends WebhookOwner {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  /** The owner's switch; a disabled endpoint is neither watched nor delivered to. */
  enabled: boolean;
  state: EndpointState;
  stateReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Until when the secret before the last rotation still signs deliveries too; null when none. */
  previousSecretExpiresAt: Date | null;
}

/** What signing and watching need, unsealed: never returned to a caller, never logged. */
export interface EndpointSecrets {
  /** `whsec_…` (Standard Webhooks), current first, then the previous one while its grace lasts. */
  signingSecrets: string[];
  credentials: CallCredentials;
}

export interface NewEndpoint extends WebhookOwner {
  url: string;
  events: WebhookEventType[];
  description: string | null;
  signingSecret: string;
  credentials: CallCredentials;
  /** The owner's jobs now: their statuses are the baseline, so that they send no JOB_CREATED. */
  baseline: { jobId: string; status: JobStatus }[];
}

export interface EndpointPatch {
  /** Already checked by the URL policy; the endpoint's pending deliveries waiting for a retry are due at once. */
  url?: string;
  events?: WebhookEventType[];
  enabled?: boolean;
  description?: string | null;
  /** Stored instead of the previous ones (the caller who updates); the state goes back to ACTIVE. */
  credentials?: CallCredentials;
}

/** A job as a poll saw it, and the body of each event it sends (built by the caller: see payload.ts). */
export interface SeenJob {
  jobId: string;
  status: JobStatus;
  /**
   * The event body for each type the move sends (JSON text), given the previous status; `known`: the
   * endpoint knew the job before (its previous status is null only after a gap, so no JOB_CREATED).
   */
  bodies(previous: JobStatus | null, known: boolean): { type: WebhookEventType; body: string }[];
  /**
   * When the poll saw it (default: the `now` of `recordJob`). A move seen before the status the store
   * holds was seen (another instance recorded a later move meanwhile) is stale: nothing is recorded.
   */
  seenAt?: Date;
  /**
   * Moves of the job between the status stored and this one were seen but not kept (past the watcher's
   * bound, watcher-queue.ts): a move from the job's stored status would be made up, so this one is
   * recorded from an unseen status (`previousStatus` null), as for a job first seen past QUEUED, without
   * JOB_CREATED for a job the endpoint knew.
   */
  afterGap?: boolean;
}

export type DeliveryState = 'pending' | 'succeeded' | 'failed';

export interface StoredDelivery {
  /** The `webhook-id`: stable across retries and redeliveries, so that receivers can drop repeats. */
  id: string;
  endpointId: string;
  type: WebhookEventType;
  jobId: string;
  state: DeliveryState;
  attemptCount: number;
  /** When the next attempt is due; null once succeeded or failed. */
  nextAttemptAt: Date | null;
  lastResponseCode: number | null;
  createdAt: Date;
  body: string;
}

/**
 * How an attempt ended: `delivered` (a 2xx), `failed` (any other answer, or none: a timeout, a refused
 * or reset connection), or `interrupted`: no outcome was ever recorded, because the instance making it
 * stopped (`kill -9`, a crash) or stalled past its lease, and another instance took the delivery over.
 */
export type AttemptResult = 'delivered' | 'failed' | 'interrupted';

export interface StoredAttempt {
  number: number;
  outcome: AttemptResult;
  /** When the attempt began; for an interrupted one, when it was claimed, just before its request. */
  startedAt: Date;
  /** Until the answer or the failure; for an interrupted one, until its lease expired. */
  durationMs: number;
  /** The HTTP status; null when none came back (timeout, refused address, reset). */
  responseCode: number | null;
  /** Why the attempt failed without a status, or the start of the body of a non-2xx answer, or why it has no outcome. */
  error: string | null;
}

/**
 * How many attempts a claim lets be in flight at once, so that one endpoint, or one owner's endpoints,
 * never take every slot: an endpoint that does not answer holds its own slots until its attempts time
 * out, and nobody else's.
 */
export interface ClaimCaps {
  /** Per endpoint, across the fleet (every instance's unexpired leases). */
  perEndpoint: number;
  /** Per owner, of the claiming instance's unexpired leases. */
  perOwner: number;
}

/** A delivery leased to this instance for one attempt. */
export interface ClaimedDelivery extends StoredDelivery {
  url: string;
  /** Fences `finishAttempt`: only the holder of this exact lease can record the outcome. */
  lease: string;
  /**
   * Of `attemptCount`, the attempts of the delivery's current series: those since it last ended
   * (delivered, 410, or failed with no retry left), so a redelivery of it starts a new series. The
   * retry schedule and its give-up count these only, not the attempts before the redelivery.
   */
  seriesAttempts: number;
  /**
   * Of `seriesAttempts`, the attempts that ended with no outcome (their instance stopped, its lease
   * expired): the retry schedule counts the others only, so a crash spends no retry.
   */
  interruptedAttempts: number;
  /** Whether this claim found the previous attempt interrupted (its lease expired with no outcome) and recorded it. */
  interrupted: boolean;
}

export type AttemptOutcome =
  | { kind: 'delivered'; responseCode: number; durationMs: number }
  /**
   * `retryAt` null: no retry left (the delivery fails and its endpoint is marked failing). `refused`:
   * the URL policy refused the endpoint's URL, so nothing was sent; the endpoint's `stateReason` from
   * this attempt on (it becomes FAILING at once), saying what its owner can do.
   */
  | {
      kind: 'failed';
      responseCode: number | null;
      error: string;
      durationMs: number;
      retryAt: Date | null;
      refused?: string;
    }
  /** 410 Gone: the delivery fails and the endpoint is disabled. */
  | { kind: 'gone'; durationMs: number };

export interface PendingBacklog {
  pending: number;
  oldestPendingAt: Date | null;
}

export interface DeliveryPage {
  deliveries: StoredDelivery[];
  /** Each delivery's own cursor, in order: passed as `after`, the next page starts after that delivery. */
  cursors: string[];
  /** Pass as `after` for the next page; null when this page is the last. */
  endCursor: string | null;
}

/**
 * The gateway's durable state on its one database: the webhooks', and the download grants
 * (download-grant-store.ts), which share its connections, its lazy opening and its sealing key.
 */
export interface WebhookStore extends DownloadGrantStore, CreationKeyStore {
  /** Refuses with a coded error (see errors.ts) when the owner already has `limit` endpoints. */
  createEndpoint(input: NewEndpoint, limit: number, now: Date): Promise<StoredEndpoint>;
  listEndpoints(owner: WebhookOwner): Promise<StoredEndpoint[]>;
  getEndpoint(owner: WebhookOwner, id: string): Promise<StoredEndpoint | null>;
  updateEndpoint(owner: WebhookOwner, id: string, patch: EndpointPatch, now: Date): Promise<StoredEndpoint | null>;
  /** The new secret signs from now on; the current one keeps signing until `now + graceMs`. */
  rotateSecret(
    owner: WebhookOwner,
    id: string,
    signingSecret: string,
    graceMs: number,
    now: Date,
  ): Promise<StoredEndpoint | null>;
  /** Deletes the endpoint with its credentials, job statuses and deliveries. */
  deleteEndpoint(owner: WebhookOwner, id: string): Promise<boolean>;
  /** Every endpoint enabled and not PAUSED or DISABLED, with its secrets: what each instance watches. */
  watchedEndpoints(now: Date): Promise<(StoredEndpoint & EndpointSecrets)[]>;
  /** The signing secrets in force at `now` (current first), or null when the endpoint is gone. */
  signingSecrets(endpointId: string, now: Date): Promise<string[] | null>;
  /** PAUSED with the reason (the upstream refused the stored credentials). */
  pauseEndpoint(endpointId: string, reason: string, now: Date): Promise<void>;
  /**
   * Records what a poll saw of a job for an endpoint and, in the same transaction, inserts a pending
   * delivery (due now) for each event of the move that the endpoint subscribes to. Idempotent across
   * instances: a move already recorded inserts nothing. Returns the deliveries inserted.
   */
  recordJob(endpoint: Pick<StoredEndpoint, 'id' | 'events'>, job: SeenJob, now: Date): Promise<StoredDelivery[]>;
  /**
   * The jobs an endpoint last saw unfinished (neither completed, failed nor cancelled), most recently
   * seen first, at most `limit`: what a new watch of it follows even once they are past the list's window.
   */
  unfinishedJobIds(endpointId: string, limit: number): Promise<string[]>;
  /**
   * Leases up to `limit` due deliveries of enabled endpoints that are not DISABLED, to `instanceId`, for
   * `leaseMs`, owners in turns, within `caps` (none: only `limit` bounds a claim).
   */
  claimDue(instanceId: string, limit: number, leaseMs: number, now: Date, caps?: ClaimCaps): Promise<ClaimedDelivery[]>;
  /** Records the attempt and its outcome; false (and nothing recorded) when the lease was lost meanwhile. */
  finishAttempt(claim: ClaimedDelivery, outcome: AttemptOutcome, now: Date): Promise<boolean>;
  /**
   * Gives back leases whose attempts were never begun (the instance stopped claiming while taking
   * them): each delivery is due again at once, for any instance, with no attempt counted nor recorded.
   * Fenced like `finishAttempt`: a lease lost meanwhile is left alone. Returns how many were given back.
   */
  releaseClaims(claims: readonly Pick<ClaimedDelivery, 'id' | 'lease'>[]): Promise<number>;
  /** Newest first. */
  listDeliveries(owner: WebhookOwner, endpointId: string, first: number, after: string | null): Promise<DeliveryPage>;
  attempts(owner: WebhookOwner, deliveryId: string): Promise<StoredAttempt[]>;
  /**
   * Pending again and due now, same id; null when the owner has no such delivery. Refused with a coded
   * CONFLICT (errors.ts) while an attempt at it is in flight, and while its endpoint is switched off
   * or DISABLED (it would wait there, due and never sent).
   */
  redeliver(
    owner: WebhookOwner,
    deliveryId: string,
    now: Date,
    /** Why the URL policy refuses the endpoint's URL (CONFLICT URL_REFUSED), or null when it allows it. */
    urlRefusal?: (url: string) => string | null,
  ): Promise<StoredDelivery | null>;
  /** Every stored endpoint's id and URL (all owners): the start names those the URL policy now refuses. */
  endpointUrls(): Promise<{ id: string; url: string }[]>;
  /**
   * Deletes up to `limit` finished deliveries (succeeded, or failed for good) with their attempts,
   * oldest first, when nothing happened to them since `before` (made before it, no attempt since).
   * Never a pending one. Returns how many were deleted.
   */
  pruneDeliveries(before: Date, limit: number): Promise<number>;
  /** How many endpoints are stored (all owners): the start refuses a missing key when there are any. */
  endpointCount(): Promise<number>;
  /**
   * The deliveries due at `now` and waiting for an attempt (no lease in force) to an endpoint that
   * sends (on, not DISABLED), all owners: how many, and when the oldest of them fell due (null: none).
   */
  dueBacklog(now: Date): Promise<{ due: number; oldestDueAt: Date | null }>;
  /**
   * The deliveries not yet delivered to an endpoint that sends (on, not DISABLED), all owners, those
   * waiting for a retry and in flight included: how many (at most 10,000 counted per endpoint), and
   * when the oldest of them was recorded (null: none).
   */
  pendingBacklog(): Promise<PendingBacklog>;
  close(): Promise<void>;
}
