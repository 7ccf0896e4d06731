/**
 * Issue 20: a webhook adds no upstream poll for a job that subscribers already watch. Ten
 * `jobUpdated` subscribers and one `jobsUpdated` subscriber (the dashboard's two views) watch a job;
 * registering a webhook endpoint for the organization adds no poller (the watcher joins the
 * organization's list poller) and no request beyond one poller's budget, counted from the
 * simulator; and the webhook still learns of the job's completion. Without subscribers, the
 * endpoint alone keeps exactly one list poller going (the control: the watcher does poll).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JOB_SECONDS = 1_000;
const INTERVAL_MS = 50;
/** Polls one poller may make in `ms`: one per interval, plus the one at the start. */
const onePollerBudget = (ms: number) => Math.floor(ms / INTERVAL_MS) + 2;
const clock = manualClock(JOB_SECONDS);

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

const fetchIn = (url: string, init: RequestInit): Promise<Response> =>
  Promise.resolve(stack.gateway.yoga.fetch(url, init));

async function countOver(ms: number): Promise<{ job: number; list: number; elapsed: number }> {
  stack.simulator.resetStats();
  const started = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const calls = stack.simulator.stats();
  return { job: calls['GET /jobs/{id}'] ?? 0, list: calls['GET /jobs'] ?? 0, elapsed: Date.now() - started };
}

describe.skipIf(!POSTGRES)(`a webhook on a job that subscribers watch${POSTGRES_SKIP_REASON}`, () => {
  it('adds no poller and no upstream poll, and still sends JOB_COMPLETED', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'watched',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    const watchers = Array.from({ length: 10 }, () =>
      subscribeSse(
        fetchIn,
        'http://localhost',
        'subscription($id: ID!) { jobUpdated(id: $id) { id status } }',
        { id: job.id },
        DEMO,
      ),
    );
    const list = subscribeSse(fetchIn, 'http://localhost', 'subscription { jobsUpdated { id status } }', {}, DEMO);
    await eventually(
      () => (watchers.every((w) => w.events.length > 0) && list.events.length > 0 ? true : undefined),
      20_000,
      'the first events',
    );
    expect([stack.live.pollerCount(), stack.live.listPollerCount()]).toEqual([1, 1]);

    const registered = await stack.gql(
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
      { i: { url: receiver.url, events: ['JOB_COMPLETED'] } },
      DEMO,
    );
    expect(registered.errors).toBeUndefined();
    // The watcher has joined once the endpoint was read; the pollers are the same two.
    await new Promise((r) => setTimeout(r, 500));
    expect([stack.live.pollerCount(), stack.live.listPollerCount()]).toEqual([1, 1]);
    const window = await countOver(1_000);
    expect(window.job).toBeLessThanOrEqual(onePollerBudget(window.elapsed));
    expect(window.list).toBeLessThanOrEqual(onePollerBudget(window.elapsed));

    clock.at(job, 1.5);
    const completed = await eventually(
      () => receiver.events().find((e) => e.type === 'JOB_COMPLETED' && e.data.job.id === job.id),
      20_000,
      'JOB_COMPLETED at the receiver',
    );
    expect(completed.data.job.status).toBe('COMPLETED');
    await Promise.all([...watchers.map((w) => w.done)]);
    list.abort();
  }, 60_000);

  it('without subscribers, the endpoint alone keeps one list poller (and no job poller) going', async () => {
    await eventually(() => (stack.live.pollerCount() === 0 ? true : undefined), 10_000, 'the job poller gone');
    expect(stack.live.listPollerCount()).toBe(1);
    const window = await countOver(1_000);
    expect(window.job).toBe(0);
    expect(window.list).toBeGreaterThan(0);
    expect(window.list).toBeLessThanOrEqual(onePollerBudget(window.elapsed));
  }, 30_000);
});
