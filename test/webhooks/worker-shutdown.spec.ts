/**
 * The delivery worker at shutdown: `stopClaiming()`, called where the shutdown begins (before the
 * HTTP drain, which may last seconds), stops it claiming at once, so that no attempt begins that the
 * forced exit could cut before its outcome is recorded (another instance would then send it again:
 * the receiver got it twice). The attempts in flight go on and are recorded; a claim under way as it
 * stops gives its deliveries back unattempted. Before the fix the worker claimed until its `close()`,
 * which ran after the drain: attempts began during the drain.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDeliveryWorker, type SendOutcome } from '../../src/webhooks/delivery-worker.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookStore } from '../../src/webhooks/webhook-store.js';
import { eventually } from '../harness/stack.js';

const SCAN_MS = 20;

let ids = 0;
const claimOf = (): ClaimedDelivery => {
  ids += 1;
  return {
    id: `msg_${ids}`,
    endpointId: `wh_${ids}`,
    type: 'JOB_CREATED',
    jobId: 'job-1',
    state: 'pending',
    attemptCount: 0,
    seriesAttempts: 0,
    interruptedAttempts: 0,
    interrupted: false,
    nextAttemptAt: new Date(0),
    lastResponseCode: null,
    createdAt: new Date(0),
    body: '{}',
    url: 'https://receiver.example/hook',
    lease: `lease-${ids}`,
  };
};

/** A promise with its resolver. */
function held<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A store with a delivery due at every claim (one per claim), unless `claimDue` is given. */
function fakeStore(overrides: Partial<WebhookStore> = {}) {
  const claimed: ClaimedDelivery[] = [];
  const finished: Array<{ id: string; outcome: AttemptOutcome }> = [];
  const released: string[] = [];
  let claims = 0;
  const store = {
    claimDue: async () => {
      claims += 1;
      const claim = claimOf();
      claimed.push(claim);
      return [claim];
    },
    signingSecrets: async () => ['whsec_c2VjcmV0'],
    finishAttempt: async (claim: ClaimedDelivery, outcome: AttemptOutcome) =>
      finished.push({ id: claim.id, outcome }) > 0,
    releaseClaims: async (given: readonly Pick<ClaimedDelivery, 'id' | 'lease'>[]) =>
      released.push(...given.map((c) => c.id)),
    ...overrides,
  } as Partial<WebhookStore> as WebhookStore;
  return { store, claimed, finished, released, claims: () => claims };
}

const DELIVERED: SendOutcome = { kind: 'delivered', responseCode: 200, durationMs: 5 };

function workerOn(store: WebhookStore, send: (claim: ClaimedDelivery) => Promise<SendOutcome>) {
  return createDeliveryWorker({
    store,
    send: (claim) => send(claim),
    retryAt: () => null,
    instanceId: 'instance-1',
    scanMs: SCAN_MS,
    leaseMs: 60_000,
    concurrency: 1,
    caps: { perEndpoint: 2, perOwner: 1 },
    now: Date.now,
    logger: pino({ level: 'silent' }),
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the delivery worker as a shutdown begins', () => {
  it('begins no attempt once stopClaiming() is called; the attempt in flight goes on and is recorded', async () => {
    const { store, finished, claims } = fakeStore();
    const answer = held<SendOutcome>();
    const sent: string[] = [];
    const worker = workerOn(store, (claim) => {
      sent.push(claim.id);
      // The first attempt is slow (the receiver takes seconds); the others answer at once.
      return sent.length === 1 ? answer.promise : Promise.resolve(DELIVERED);
    });
    await eventually(() => (sent.length === 1 ? true : undefined), 5_000, 'the first attempt in flight');

    worker.stopClaiming();
    const claimsAtStop = claims();
    // The first attempt ends during the drain: its slot is free, scans and kicks come and go.
    answer.resolve(DELIVERED);
    await eventually(() => (finished.length === 1 ? true : undefined), 5_000, 'the outcome recorded');
    worker.kick();
    await pause(SCAN_MS * 10);

    expect(finished).toEqual([{ id: sent[0], outcome: DELIVERED }]);
    // Attempts begun after the shutdown began: none; and no claim either.
    expect(sent).toHaveLength(1);
    expect(claims()).toBe(claimsAtStop);
    expect(worker.inFlight()).toBe(0);
    await worker.close();
    expect(sent).toHaveLength(1);
  });

  it('gives back, unattempted, what a claim under way as it stops brings', async () => {
    const pending = held<ClaimedDelivery[]>();
    const { store, released } = fakeStore({ claimDue: () => pending.promise });
    const sent: string[] = [];
    const worker = workerOn(store, async (claim) => (sent.push(claim.id), DELIVERED));

    // The first claim is under way (the worker claims at once when made).
    worker.stopClaiming();
    const late = [claimOf()];
    pending.resolve(late);
    await worker.close();

    expect(sent).toEqual([]);
    expect(released).toEqual([late[0]!.id]);
  });

  it('closes as before: close() alone stops claiming and waits for the attempt in flight', async () => {
    const { store, finished } = fakeStore();
    const answer = held<SendOutcome>();
    const sent: string[] = [];
    const worker = workerOn(store, (claim) => (sent.push(claim.id), answer.promise));
    await eventually(() => (sent.length === 1 ? true : undefined), 5_000, 'the attempt in flight');
    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    await pause(SCAN_MS * 3);
    expect(closed).toBe(false);
    answer.resolve(DELIVERED);
    await closing;
    expect(finished).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });
});
