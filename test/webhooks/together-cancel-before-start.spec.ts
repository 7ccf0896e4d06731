/**
 * A Together job cancelled before its training started (trial 1, F1): while Together showed it
 * `cancel_requested` the watcher saw it RUNNING, so the receiver got JOB_STATUS_CHANGED QUEUED →
 * RUNNING and a JOB_RUNNING with `startedAt` null, then RUNNING → CANCELLED. It now keeps QUEUED
 * until it is CANCELLED: JOB_CREATED, then QUEUED → CANCELLED and JOB_CANCELLED, no JOB_RUNNING. A
 * job cancelled while training moves RUNNING → CANCELLED. Each job is held `cancel_requested` until a
 * `jobsUpdated` subscriber, on the list poller the watcher shares, has seen it so (on a manual clock,
 * JOB_SECONDS 100: pending until 5 s, training from 10 s; a cancel takes 2 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { manualClock } from '../harness/manual-clock.js';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { firstEvent, subscribeSse, type SseEvents } from '../harness/sse.js';
import { eventually, type Stack } from '../harness/stack.js';
import { createTogetherJob, gatewayGql } from '../harness/together-job.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY = 'tg-hooks-cancel';
const HEADERS = { authorization: `Bearer ${KEY}`, 'x-provider': 'together' };
const ALL_EVENTS = ['JOB_CREATED', 'JOB_RUNNING', 'JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED', 'JOB_STATUS_CHANGED'];
const CREATE_ENDPOINT =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }';
const DELIVERIES =
  'query($e: ID!) { webhookDeliveries(endpoint: $e, first: 50) { edges { node { jobId eventType } } } }';

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;
let endpointId: string;
let listed: SseEvents;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    togetherSimulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: [{ token: KEY, accountId: KEY }] },
    gateway: { now: clock.now },
  });
  ({ stack, receiver } = e2e);
  const created = await gatewayGql(
    stack.gateway,
    CREATE_ENDPOINT,
    { i: { url: `${receiver.url}/cancel`, events: ALL_EVENTS } },
    HEADERS,
  );
  expect(created.errors).toBeUndefined();
  endpointId = created.data?.createWebhookEndpoint.endpoint.id as string;
  const fetchIn = (url: string, init: RequestInit) =>
    Promise.resolve(stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), ...HEADERS } }));
  listed = subscribeSse(
    fetchIn,
    'http://localhost',
    'subscription { jobsUpdated { id status providerStatus } }',
    {},
    null,
  );
}, 60_000);
afterAll(async () => {
  listed?.abort();
  await e2e?.close();
});

interface Delivered {
  type: string;
  data: { previousStatus: string | null; job: { id: string; status: string; startedAt: string | null } };
}

/** What the receiver got for `jobId`: each event as "TYPE previous→status", sorted (order is not guaranteed). */
const received = (jobId: string): string[] =>
  receiver.received
    .map((r) => JSON.parse(r.body) as Delivered)
    .filter((e) => e.data.job.id === jobId)
    .map((e) => `${e.type} ${e.data.previousStatus ?? 'null'}→${e.data.job.status}`)
    .sort();

/** The endpoint's recorded deliveries of `jobId`: every event the watcher recorded for it. */
async function recorded(jobId: string): Promise<string[]> {
  const answer = await gatewayGql(stack.gateway, DELIVERIES, { e: endpointId }, HEADERS);
  expect(answer.errors).toBeUndefined();
  const nodes = (answer.data?.webhookDeliveries.edges as Array<{ node: { jobId: string; eventType: string } }>).map(
    (e) => e.node,
  );
  return nodes.filter((n) => n.jobId === jobId).map((n) => n.eventType);
}

/** Every delivery of `jobId` once JOB_CANCELLED has been recorded and all recorded ones have arrived. */
async function deliveredOnceCancelled(jobId: string): Promise<string[]> {
  return eventually(
    async () => {
      const events = await recorded(jobId);
      const got = received(jobId);
      return events.includes('JOB_CANCELLED') && got.length === events.length ? got : undefined;
    },
    30_000,
    `the deliveries of ${jobId} through JOB_CANCELLED`,
  );
}

/** Cancels the job at `fraction` of its run, holds it `cancel_requested` until the list poll has seen so, then lets it stop. */
async function cancelAt(job: { id: string; createdAt: Date }, fraction: number, shownAs: string): Promise<void> {
  clock.at(job, fraction);
  const cancel = await gatewayGql(
    stack.gateway,
    'mutation($id: ID!) { cancelJob(id: $id) { status } }',
    { id: job.id },
    HEADERS,
  );
  expect(cancel.data?.cancelJob.status).toBe(shownAs);
  const seen = await firstEvent(
    listed,
    'jobsUpdated',
    (j) => j.id === job.id && j.providerStatus === 'cancel_requested',
    `jobsUpdated: ${job.id} cancel_requested`,
  );
  expect(seen.status).toBe(shownAs);
  clock.at(job, fraction + 0.05); // past the cancel's 2 s
}

describe.skipIf(!POSTGRES)(`webhooks of a Together job cancelled${POSTGRES_SKIP_REASON}`, () => {
  it('before its training started: QUEUED → CANCELLED, never JOB_RUNNING', async () => {
    const job = await createTogetherJob(stack.gateway, HEADERS, 'hooked-pending');
    clock.at(job, 0.02);
    await eventually(() => (received(job.id).length > 0 ? true : undefined), 30_000, `JOB_CREATED of ${job.id}`);
    await cancelAt(job, 0.02, 'QUEUED');
    expect(await deliveredOnceCancelled(job.id)).toEqual([
      'JOB_CANCELLED QUEUED→CANCELLED',
      'JOB_CREATED null→QUEUED',
      'JOB_STATUS_CHANGED QUEUED→CANCELLED',
    ]);
  }, 60_000);

  it('while training: RUNNING → CANCELLED', async () => {
    const job = await createTogetherJob(stack.gateway, HEADERS, 'hooked-running');
    clock.at(job, 0.02);
    await eventually(() => (received(job.id).length > 0 ? true : undefined), 30_000, `JOB_CREATED of ${job.id}`);
    clock.at(job, 0.5);
    await eventually(
      () => (received(job.id).some((e) => e.startsWith('JOB_RUNNING')) ? true : undefined),
      30_000,
      `JOB_RUNNING of ${job.id}`,
    );
    await cancelAt(job, 0.5, 'RUNNING');
    expect(await deliveredOnceCancelled(job.id)).toEqual([
      'JOB_CANCELLED RUNNING→CANCELLED',
      'JOB_CREATED null→QUEUED',
      'JOB_RUNNING QUEUED→RUNNING',
      'JOB_STATUS_CHANGED QUEUED→RUNNING',
      'JOB_STATUS_CHANGED RUNNING→CANCELLED',
    ]);
  }, 60_000);
});
