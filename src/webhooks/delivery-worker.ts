/**
 * Sending the deliveries that are due, on every instance: every `scanMs` (and at once when the
 * watcher inserted some, or an attempt ended), lease a batch from the store (`claimDue`: one instance
 * per delivery at a time, across the fleet, within `caps` per endpoint and per owner, owners in
 * turns), attempt each (`send`), and record the outcome, with the next attempt's
 * time from the retry schedule when it failed. A lease outlives the attempt's timeout, so a delivery
 * whose instance died (`kill -9`) mid-attempt is claimed again by another once the lease has expired;
 * an outcome recorded after the lease was lost is refused by the store (fenced).
 *
 * At shutdown, `stopClaiming()` comes first, before anything the shutdown waits for (the HTTP drain):
 * from then on no attempt begins, since the process may be ended (its forced exit) before recording
 * it, and the receiver would get it again from another instance. The attempts in flight go on for
 * what is left of the shutdown's time, and are recorded if they end in it; `close()` waits for them.
 */
import type { Logger } from 'pino';
import { outageLog } from '../telemetry/outage-log.js';
import { failedAttemptLog, failedAttemptRate } from './failed-attempt-log.js';
import type { AttemptOutcome, ClaimCaps, ClaimedDelivery, WebhookStore } from './webhook-store.js';

/** An attempt's outcome, before the worker decides when to retry. */
export type SendOutcome =
  | Extract<AttemptOutcome, { kind: 'delivered' | 'gone' }>
  | Omit<Extract<AttemptOutcome, { kind: 'failed' }>, 'retryAt'>;

export interface DeliveryWorkerOptions {
  store: WebhookStore;
  /** One attempt: the delivery, signed with these secrets, stamped with this time. */
  send(claim: ClaimedDelivery, signingSecrets: string[], at: Date): Promise<SendOutcome>;
  /**
   * When to try again after attempt number `attempt` (1 for the first) of the delivery's current series
   * failed (a redelivery starts a new series), counting only the attempts that had an outcome (not those
   * interrupted by their instance's death); null when the schedule is spent.
   */
  retryAt(attempt: number, at: Date): Date | null;
  instanceId: string;
  scanMs: number;
  /** How long a claim is this instance's: longer than an attempt may take. */
  leaseMs: number;
  /** Attempts in flight at once, per instance. */
  concurrency: number;
  /**
   * Attempts in flight at once per endpoint (across the fleet) and per owner (on this instance): an
   * owner whose endpoints hang holds that many slots until its attempts time out, not all of them.
   */
  caps: ClaimCaps;
  now: () => number;
  logger: Logger;
  /**
   * Told of each recorded outcome (`refused`: failed unsent, the URL policy refusing the endpoint's
   * URL), and of each attempt found interrupted as its delivery was claimed (metrics).
   */
  onOutcome?: (outcome: AttemptOutcome['kind'] | 'refused' | 'interrupted') => void;
}

export interface DeliveryWorker {
  /** Looks for due deliveries now. */
  kick(): void;
  /** Attempts in flight. */
  inFlight(): number;
  /**
   * Stops claiming, at once and for good (a shutdown's first step): no attempt begins after it. The
   * attempts in flight go on, and are recorded when they end (the store must stay open until
   * `close()` has returned). A claim under way gives its deliveries back unattempted: due again at
   * once, for any instance, with no attempt counted.
   */
  stopClaiming(): void;
  /** Stops claiming (if not yet), and waits for the attempts in flight and a claim under way. */
  close(): Promise<void>;
}

/**
 * Interrupted attempts after which a delivery is not sent again: one whose sending stops the instance
 * each time (a crash it causes, a stall past its lease) would otherwise be claimed at every lease's
 * expiry for ever, taking instance after instance down and sending the receiver a copy each time (a
 * crash spends no retry). It fails instead, saying why; its owner may redeliver it.
 */
export const MAX_INTERRUPTED_ATTEMPTS = 5;

/** The outcome of a delivery not sent again (MAX_INTERRUPTED_ATTEMPTS): failed, with no retry. */
function givenUp(interrupted: number): AttemptOutcome {
  return {
    kind: 'failed',
    responseCode: null,
    error:
      `not sent: ${interrupted} of its attempts were interrupted (the instances sending them stopped ` +
      'before an outcome), so it is not sent again; redeliver it to try again',
    durationMs: 0,
    retryAt: null,
  };
}

/** What the attempt of `claim` comes to: sent (a failure with its retry, by the schedule's count), or given up unsent. */
async function outcomeOf(
  options: DeliveryWorkerOptions,
  claim: ClaimedDelivery,
  { secrets, at, scheduled }: { secrets: string[]; at: Date; scheduled: number },
): Promise<AttemptOutcome> {
  if (claim.interruptedAttempts >= MAX_INTERRUPTED_ATTEMPTS) return givenUp(claim.interruptedAttempts);
  const sent = await options.send(claim, secrets, at);
  return sent.kind === 'failed' ? { ...sent, retryAt: options.retryAt(scheduled, new Date(options.now())) } : sent;
}

/** What the failed-attempt lines remember: the refusals warned of, and each endpoint's last info line. */
interface FailureLogs {
  warned: Set<string>;
  rate: ReturnType<typeof failedAttemptRate>;
}

/**
 * The operator's line of a failed attempt: at warn the first time this run that the URL policy refuses
 * an endpoint's URL (`warned` remembers endpoint and URL: its later refusals would flood), otherwise at
 * info once a minute per endpoint (with how many went unlogged since), at debug in between.
 */
function logFailure(
  { logger }: DeliveryWorkerOptions,
  { warned, rate }: FailureLogs,
  claim: ClaimedDelivery,
  number: number,
  outcome: Exclude<AttemptOutcome, { kind: 'delivered' }>,
): void {
  const line = failedAttemptLog(claim, number, outcome);
  const key = `${claim.endpointId} ${claim.url}`;
  if (outcome.kind !== 'failed' || outcome.refused === undefined || warned.has(key)) {
    // One line a minute per endpoint at info, each attempt at debug (failed-attempt-log.ts).
    const { info, unlogged } = rate(claim.endpointId);
    if (info) return logger.info({ ...line, unlogged }, 'webhook attempt failed');
    return logger.debug(line, 'webhook attempt failed');
  }
  warned.add(key);
  logger.warn(
    line,
    "webhook attempt refused by the URL policy: the endpoint's stored URL is not allowed (WEBHOOK_ALLOWED_PORTS, " +
      'WEBHOOK_ALLOWED_HOSTS); nothing is sent to it until its owner updates its url or the policy allows it ' +
      '(logged once per endpoint and URL)',
  );
}

/**
 * Why the outcome of an attempt was not recorded, read only then: its endpoint was deleted meanwhile,
 * and its deliveries with it (expected: an owner may delete an endpoint at any time), or its lease was
 * lost (the attempt outlived it and another instance took the delivery over). The delivery alone is
 * gone only once finished and pruned, which another instance's lease did: a lost lease as well.
 */
async function notRecorded({ store, logger, now }: DeliveryWorkerOptions, claim: ClaimedDelivery): Promise<void> {
  const fields = { deliveryId: claim.id, endpointId: claim.endpointId };
  let endpointGone: boolean;
  try {
    endpointGone = (await store.signingSecrets(claim.endpointId, new Date(now()))) === null;
  } catch (error) {
    logger.warn(
      { ...fields, err: error },
      'webhook attempt outcome not recorded: the lease was lost or the endpoint deleted meanwhile (reading which failed)',
    );
    return;
  }
  if (endpointGone)
    logger.info(
      fields,
      'webhook attempt outcome not recorded: its endpoint was deleted meanwhile, with its deliveries',
    );
  else logger.warn(fields, 'webhook attempt outcome not recorded: the lease was lost meanwhile');
}

/** One attempt at `claim`, its outcome recorded (fenced on its lease). */
async function attempt(options: DeliveryWorkerOptions, claim: ClaimedDelivery, logs: FailureLogs): Promise<void> {
  const { store, logger, now } = options;
  const at = new Date(now());
  const secrets = await store.signingSecrets(claim.endpointId, at);
  // Deleted meanwhile: its deliveries went with it.
  if (secrets === null || secrets.length === 0) return;
  // The store counts an attempt when its outcome is recorded, or when the claim of an expired
  // lease records it interrupted: this one is the next.
  const number = claim.attemptCount + 1;
  // The schedule counts the attempts of the current series (a redelivery starts one: the delivery's
  // earlier attempts, failed or delivered, spend none of its retries) that had an outcome: an instance
  // that died mid-attempt spends no retry (its delivery is sent again as soon as its lease expires).
  const scheduled = claim.seriesAttempts + 1 - claim.interruptedAttempts;
  logger.debug({ deliveryId: claim.id, endpointId: claim.endpointId, attempt: number }, 'webhook attempt');
  const outcome = await outcomeOf(options, claim, { secrets, at, scheduled });
  const recorded = await store.finishAttempt(claim, outcome, new Date(now()));
  if (!recorded) return notRecorded(options, claim);
  options.onOutcome?.(outcome.kind === 'failed' && outcome.refused !== undefined ? 'refused' : outcome.kind);
  if (outcome.kind !== 'delivered') logFailure(options, logs, claim, number, outcome);
}

/** The claims taken as claiming stopped, given back unattempted: another instance sends them at once. */
async function giveBack({ store, logger }: DeliveryWorkerOptions, claims: ClaimedDelivery[]): Promise<void> {
  if (claims.length === 0) return;
  const deliveries = claims.map((claim) => claim.id);
  try {
    await store.releaseClaims(claims);
    logger.info({ deliveries }, 'webhook deliveries given back unattempted: claimed as this instance stopped claiming');
  } catch (error) {
    logger.warn(
      { deliveries, err: error },
      'webhook deliveries claimed as this instance stopped claiming could not be given back: ' +
        'another instance sends them once their leases expire',
    );
  }
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, logger, now } = options;
  const flying = new Set<Promise<void>>();
  const logs: FailureLogs = { warned: new Set(), rate: failedAttemptRate(now) };
  let claiming = true;
  let scanning = false;
  let again = false;

  function launch(claim: ClaimedDelivery): void {
    const run = attempt(options, claim, logs)
      .catch((error: unknown) => logger.error({ deliveryId: claim.id, err: error }, 'webhook attempt failed to run'))
      .finally(() => {
        flying.delete(run);
        // A free slot: more may be due.
        kick();
      });
    flying.add(run);
  }

  async function scan(): Promise<void> {
    const room = options.concurrency - flying.size;
    if (room <= 0 || !claiming) return;
    const claims = await store.claimDue(options.instanceId, room, options.leaseMs, new Date(now()), options.caps);
    // Recorded by the claim, whatever follows.
    for (const claim of claims) if (claim.interrupted) options.onOutcome?.('interrupted');
    // Stopped while the claim was under way: nothing begins now.
    if (!claiming) return giveBack(options, claims);
    for (const claim of claims) launch(claim);
    // A full batch: there may be more.
    if (claims.length === room) again = true;
  }

  const claimLog = outageLog(logger, {
    level: 'error',
    failed: 'claiming due webhook deliveries failed (logged again once it works)',
    back: 'claiming due webhook deliveries works again',
  });

  function kick(): void {
    if (!claiming) return;
    if (scanning) {
      again = true;
      return;
    }
    scanning = true;
    again = false;
    void scan()
      .then(claimLog.succeeded, claimLog.failed)
      .finally(() => {
        scanning = false;
        if (again) kick();
      });
  }

  const timer = setInterval(kick, options.scanMs);
  timer.unref();
  kick();

  function stopClaiming(): void {
    if (!claiming) return;
    claiming = false;
    clearInterval(timer);
    logger.info(
      { inFlight: flying.size },
      'webhook deliveries: this instance stopped claiming (shutting down); the attempts in flight go on until they end',
    );
  }

  return {
    kick,
    inFlight: () => flying.size,
    stopClaiming,
    async close() {
      stopClaiming();
      while (scanning || flying.size > 0) await Promise.race([...flying, new Promise((r) => setTimeout(r, 10))]);
    },
  };
}
