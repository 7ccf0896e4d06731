/**
 * `createJob` with an `idempotencyKey`: at most one job per caller and key, for IDEMPOTENCY_KEY_TTL_MS.
 * The first request records the key as under way, with a hash of the job's input, in the gateway's
 * database (creation-key-store.ts), creates the job and records its id; a retry with the same input
 * reads that job back from the provider (its status current) and creates nothing. A retry while the
 * first is still under way waits for it, up to WAIT_MS, then answers CONFLICT; the same key with
 * another input is refused (BAD_USER_INPUT), and so is nothing created.
 *
 * A keyed creation is not stopped when its caller leaves (the request's AbortSignal is not passed
 * to it): it runs to its answer or its deadline, so that the id is recorded for the retry. Its answer
 * lost (UPSTREAM_OUTCOME_UNKNOWN) leaves the key `unknown`: the job may exist. Without the database
 * (none configured, or out of reach) a keyed creation is refused with SERVICE_UNAVAILABLE before
 * anything is sent; without a key nothing here runs.
 *
 * A retry that finds the key `unknown`, or still under way past `staleAfterMs` (the creating instance
 * stopped: its call ended by its deadline), asks the provider (`reconcile`): the caller's jobs created
 * since the claim (less CLOCK_SKEW_MS) that match the input (job-creation.ts says how), leaving out
 * those another key of the caller recorded. One job: the key is recorded as created with it, and it is
 * answered. None, once `settleMs` has passed since the call ended: nothing was created, and the retry
 * takes the key over and creates the job. The store moves the record only from the state and claim
 * the retry read, so of two retries racing, one creates and the other waits for it. The list unreadable,
 * two jobs matching, or none yet within `settleMs`: UPSTREAM_OUTCOME_UNKNOWN, nothing created.
 */
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import type { JobShape } from '../providers/job-shape.js';
import { upstreamJobId } from '../providers/job-shape.js';
import type { ProviderName } from '../providers/provider-name.js';
import { isUpstreamError } from '../upstream/errors.js';
import { sleep } from '../upstream/sleep.js';
import type { CallCredentials, CallOptions } from '../upstream/types.js';
import type { CreationClaim, CreationKey, CreationKeyStore, CreationOutcome } from '../webhooks/creation-key-store.js';
import type { GatewayContext } from './context.js';
import type { JobCreation } from './job-creation.js';

/** How long a key stands for its job: a day. */
const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a retry waits for a creation under way before answering CONFLICT, and how often it looks. */
const WAIT_MS = 10_000;
const LOOK_EVERY_MS = 200;
/** How far before a claim a provider's clock may put the job it made (instances' and provider's clocks differ). */
const CLOCK_SKEW_MS = 60_000;

/** The keys' store and what the gateway knows of its callers (the composition root builds it). */
export interface CreationKeys {
  /** The store, its outages answered as SERVICE_UNAVAILABLE (store-unavailable.ts). */
  store: CreationKeyStore;
  /** The caller's scope: a hash of provider, account and token (never the token itself). */
  scopeOf(provider: ProviderName, credentials: CallCredentials): string;
  /** Past this, a creation still recorded as under way lost its answer (its instance stopped): the upstream deadline and `settleMs`. */
  staleAfterMs: number;
  /** After a creation's call ended, how long before the provider's list is taken to show its job if it was made. */
  settleMs: number;
  now(): number;
  /** Told when how a creation ended could not be recorded, even after the retries (the gateway logs it). */
  unrecorded(record: CreationKey, outcome: CreationOutcome, error: unknown): void;
}

/** The waits before the second and third tries of recording how a creation ended (a database blip). */
const RECORD_RETRIES_MS = [250, 1_000];

/** The job of `creation`, created once per caller and `key` (see the header); created plainly without a key. */
export async function createJobOnce(
  ctx: GatewayContext,
  key: string | null | undefined,
  input: object,
  creation: JobCreation,
): Promise<JobShape> {
  if (key == null) return creation.create(ctx.call);
  const keys = ctx.services.creationKeys;
  if (!keys) throw noDatabase();
  const { provider, credentials } = ctx.session();
  const name = provider.api.name;
  const record: CreationKey = { provider: name, scope: keys.scopeOf(name, credentials), key };
  const hash = inputHash(input);
  const waitUntil = Date.now() + WAIT_MS;
  for (;;) {
    const now = keys.now();
    const expiresAt = new Date(now + IDEMPOTENCY_KEY_TTL_MS);
    const claim = await keys.store.claimCreationKey(record, hash, new Date(now), expiresAt);
    if (claim.kind === 'claimed') return createClaimed(keys, record, creation, ctx.call);
    if (claim.kind === 'created') return creation.read(claim.jobId);
    if (claim.kind === 'other-input') throw otherInput(key);
    if (claim.kind === 'unknown' || now - claim.since.getTime() > keys.staleAfterMs) {
      const settled = await reconcile(keys, record, claim, creation, now, expiresAt);
      if (settled.kind === 'found') return creation.read(settled.jobId);
      if (settled.kind === 'retaken') return createClaimed(keys, record, creation, ctx.call);
      if (settled.kind === 'unsettled') throw outcomeUnknown(key, settled.checkAgainInMs);
      // Another retry moved the record first: read it again (within the wait, should it keep moving).
      if (Date.now() < waitUntil) continue;
    }
    if (Date.now() >= waitUntil) throw stillUnderWay(key, now - claim.since.getTime());
    await sleep(LOOK_EVERY_MS, ctx.call.signal ?? new AbortController().signal);
  }
}

type Reconciled =
  | { kind: 'found'; jobId: string }
  | { kind: 'retaken' }
  | { kind: 'moved' }
  /** Nothing to conclude now; the provider is asked again after `checkAgainInMs` (null: not by waiting). */
  | { kind: 'unsettled'; checkAgainInMs: number | null };

/** Settles an unsettled key by the caller's jobs on the provider (see the header). */
async function reconcile(
  keys: CreationKeys,
  record: CreationKey,
  claim: Extract<CreationClaim, { kind: 'creating' | 'unknown' }>,
  creation: JobCreation,
  now: number,
  expiresAt: Date,
): Promise<Reconciled> {
  let listed: string[];
  try {
    listed = await creation.matching(new Date(claim.since.getTime() - CLOCK_SKEW_MS));
  } catch {
    return { kind: 'unsettled', checkAgainInMs: null };
  }
  const others = new Set(await keys.store.jobsOfOtherKeys(record, listed));
  const found = listed.filter((id) => !others.has(id));
  const seen = { state: claim.kind, since: claim.since };
  if (found.length > 1) return { kind: 'unsettled', checkAgainInMs: null };
  if (found.length === 1) {
    const jobId = found[0]!;
    return (await keys.store.settleCreationKey(record, seen, jobId, new Date(now)))
      ? { kind: 'found', jobId }
      : { kind: 'moved' };
  }
  // A call that ended just now may still have made its job (the provider finishing it late); a stale
  // creation's ended by its deadline, `settleMs` before it became stale.
  const settlesInMs = claim.kind === 'unknown' ? claim.endedAt.getTime() + keys.settleMs - now : 0;
  if (settlesInMs > 0) return { kind: 'unsettled', checkAgainInMs: settlesInMs };
  return (await keys.store.retakeCreationKey(record, seen, new Date(now), expiresAt))
    ? { kind: 'retaken' }
    : { kind: 'moved' };
}

/** Creates the claimed job without the caller's signal, and records how it ended. */
async function createClaimed(
  keys: CreationKeys,
  record: CreationKey,
  creation: JobCreation,
  call: CallOptions,
): Promise<JobShape> {
  // Deliberately not `call.signal`: the caller leaving must not turn a known outcome into an unknown one.
  const unabortable: CallOptions = {
    ...(call.requestId === undefined ? {} : { requestId: call.requestId }),
    ...(call.deadlineMs === undefined ? {} : { deadlineMs: call.deadlineMs }),
    ...(call.reached === undefined ? {} : { reached: call.reached }),
  };
  const finish = (outcome: CreationOutcome) => recordOutcome(keys, record, outcome);
  const creating = (async () => {
    let job: JobShape;
    try {
      job = await creation.create(unabortable);
    } catch (error) {
      await finish({ kind: mayHaveCreated(error) ? 'unknown' : 'refused' });
      throw error;
    }
    await finish({ kind: 'created', jobId: upstreamJobId(job) });
    return job;
  })();
  // The request ended meanwhile (its client left, or the gateway shuts down and answers it with the
  // signal's reason): the creation goes on to record its outcome, and the request is answered now.
  return call.signal ? untilAborted(creating, call.signal) : creating;
}

/** `work`'s outcome, or the rejection with `signal`'s reason once it aborts first (`work` left to run). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // its failure is recorded where it is made; nobody may be waiting here
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Records how a creation ended; a failed write is tried again in the background (the caller gets its
 * answer at once, and a retry of its key waits while the record says `creating`). Never recorded, the
 * key reads as lost after `staleAfterMs` (UPSTREAM_OUTCOME_UNKNOWN), so the gateway is told, with the job.
 */
async function recordOutcome(keys: CreationKeys, record: CreationKey, outcome: CreationOutcome): Promise<void> {
  const write = () => keys.store.finishCreationKey(record, outcome, new Date(keys.now()));
  try {
    await write();
  } catch (first) {
    const retry = async () => {
      let last = first;
      for (const waitMs of RECORD_RETRIES_MS) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        try {
          return await write();
        } catch (error) {
          last = error;
        }
      }
      keys.unrecorded(record, outcome, last);
    };
    void retry();
  }
}

/** Whether a failed creation may have made the job: its answer lost, or unreadable; anything but a coded refusal. */
function mayHaveCreated(error: unknown): boolean {
  if (isUpstreamError(error))
    return error.code === 'UPSTREAM_OUTCOME_UNKNOWN' || (error.status !== undefined && error.status < 300);
  if (error instanceof GraphQLError) return error.extensions.code === 'UPSTREAM_OUTCOME_UNKNOWN';
  return true;
}

/** SHA-256 of the input in a canonical form: keys sorted, nulls and the key itself left out. */
function inputHash(input: object): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([name, v]) => v != null && name !== 'idempotencyKey')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([name, v]) => [name, canonical(v)]));
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('hex');
}

const field = { field: 'idempotencyKey' };

function noDatabase(): GraphQLError {
  return gatewayError(
    'SERVICE_UNAVAILABLE',
    "idempotencyKey: this gateway keeps no database (WEBHOOKS_ENABLED=false), where a key's record is kept: " +
      'nothing was created. Send the job without a key (at the risk of two jobs on a retry), or to a gateway with one.',
    field,
  );
}

function otherInput(key: string): GraphQLError {
  return gatewayError(
    'BAD_USER_INPUT',
    `idempotencyKey: ${JSON.stringify(key)} was sent with another job's input in the last 24 hours, and a key ` +
      "stands for one job: nothing was created. Send that job's input again, or a new key for a new job.",
    field,
  );
}

function stillUnderWay(key: string, forMs: number): GraphQLError {
  return gatewayError(
    'CONFLICT',
    `idempotencyKey: the creation of ${JSON.stringify(key)} is still under way (for ${Math.round(forMs / 1000)} s): ` +
      'nothing more was created. Try again shortly: the same key then answers the job.',
    field,
  );
}

function outcomeUnknown(key: string, checkAgainInMs: number | null): GraphQLError {
  const next =
    checkAgainInMs === null
      ? "the gateway could not tell from the provider's jobs"
      : `no job of it shows on the provider yet: retry with this key after ${Math.ceil(checkAgainInMs / 1000)} s, ` +
        'and the gateway then looks again, and creates it if there is still none';
  return gatewayError(
    'UPSTREAM_OUTCOME_UNKNOWN',
    `idempotencyKey: the creation of ${JSON.stringify(key)} lost the provider's answer: the job may or may not ` +
      `exist (${next}). This key creates no other while that is so; check \`jobs\`, or send a new key to ` +
      'create a job anyway.',
    field,
  );
}
