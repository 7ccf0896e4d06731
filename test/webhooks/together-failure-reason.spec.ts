/**
 * A failed Together job's webhook carries why it failed, as `job(id)` shows it. The watcher sees the
 * job in Together's list (`GET /fine-tunes`), which leaves a job's events, and so the failure's
 * message, out: before recording the move it reads the full job (`GET /fine-tunes/{id}`) once for
 * the change, shared by the owner's endpoints, never once per poll. When that read fails the events
 * are recorded all the same, with the message null. Every job of this simulator fails, mid-run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { manualClock } from '../harness/manual-clock.js';
import { createTogetherJob, gatewayGql } from '../harness/together-job.js';
import type { Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const FAILURE = 'The training worker stopped unexpectedly (simulated failure); create the job again.';
const EVENTS = ['JOB_FAILED', 'JOB_STATUS_CHANGED'];
const KEY = 'tg-hooks';
const DOWN_KEY = 'tg-hooks-detail-down';
const DETAIL = 'GET /fine-tunes/{id}';

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    togetherSimulator: {
      jobSeconds: JOB_SECONDS,
      now: clock.now,
      failureRate: 1,
      tenants: [KEY, DOWN_KEY].map((token) => ({ token, accountId: token })),
    },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

const headersOf = (key: string) => ({ authorization: `Bearer ${key}`, 'x-provider': 'together' });

async function register(key: string, path: string): Promise<void> {
  const answer = await gatewayGql(
    stack.gateway,
    'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
    { i: { url: `${receiver.url}/${path}`, events: EVENTS } },
    headersOf(key),
  );
  expect(answer.errors).toBeUndefined();
}

interface Delivered {
  type: string;
  data: { job: { id: string; status: string; error: { code: string; message: string | null } | null } };
}

/** The deliveries to `path` of the job's move to FAILED, once both of its events have come. */
async function failedDeliveries(path: string, jobId: string): Promise<Delivered[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = receiver.received
      .filter((r) => r.path === `/hooks/${path}`)
      .map((r) => JSON.parse(r.body) as Delivered)
      .filter((e) => e.data.job.id === jobId && e.data.job.status === 'FAILED');
    if (got.some((e) => e.type === 'JOB_FAILED') && got.some((e) => e.type === 'JOB_STATUS_CHANGED')) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the FAILED deliveries to ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const detailReads = (): number => stack.togetherSimulator!.stats()[DETAIL] ?? 0;

/** A few of the watcher's list polls (every 50 ms here): what each poll would read, it would have. */
const somePolls = () => new Promise((r) => setTimeout(r, 500));

describe.skipIf(!POSTGRES)(`a failed Together job's webhooks${POSTGRES_SKIP_REASON}`, () => {
  it("carry its message, job(id)'s, from one read of the full job for the owner's endpoints", async () => {
    await register(KEY, 'reason-a');
    await register(KEY, 'reason-b');
    const job = await createTogetherJob(stack.gateway, headersOf(KEY), 'fails-hooked');
    const before = detailReads();
    clock.at(job, 0.99);
    const shown = { code: 'job_error', message: FAILURE };
    for (const path of ['reason-a', 'reason-b']) {
      const events = await failedDeliveries(path, job.id);
      expect(events.map((e) => e.type).sort()).toEqual(EVENTS);
      for (const event of events) expect(event.data.job.error).toEqual(shown);
    }
    await somePolls();
    expect(detailReads() - before).toBe(1);
    const answer = await gatewayGql(
      stack.gateway,
      'query($id: ID!) { job(id: $id) { error { code message } } }',
      { id: job.id },
      headersOf(KEY),
    );
    expect(answer.data?.job.error).toEqual(shown);
  }, 60_000);

  it('are sent all the same, with the message null, when the full job cannot be read', async () => {
    await register(DOWN_KEY, 'reason-down');
    const job = await createTogetherJob(stack.gateway, headersOf(DOWN_KEY), 'fails-detail-down');
    stack.togetherSimulator!.setFaults({ route: DETAIL, error: { rate: 1, status: 503 } });
    try {
      clock.at(job, 0.99);
      const events = await failedDeliveries('reason-down', job.id);
      expect(events.map((e) => e.type).sort()).toEqual(EVENTS);
      for (const event of events) expect(event.data.job.error).toEqual({ code: 'job_error', message: null });
    } finally {
      stack.togetherSimulator!.setFaults({});
    }
  }, 60_000);
});
