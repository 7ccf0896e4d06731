/**
 * The trial's report, with a list window of 5 instead of 1,000: an organization's running job, then
 * five newer jobs, then the running job completes. The webhook endpoint (alone: no subscriber) got no
 * JOB_COMPLETED, ever, and its store kept the job running: the list poller read only the window.
 * Now the job is read by id while it is past the window, once per list poll at most (counted from
 * the simulator), and no more once it has finished. And a new watch of the endpoint (switched off and
 * on, an instance restarted) follows the jobs its store last saw unfinished, though its new poller
 * never listed them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from '../webhooks/e2e-stack.js';

const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    live: { listMaxJobs: 5, listPageSize: 5 },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

const created = (id: string) => () =>
  receiver.events().some((e) => e.type === 'JOB_CREATED' && e.data.job.id === id) || undefined;

describe.skipIf(!POSTGRES)(
  `a webhook on a job that newer jobs push out of the list window${POSTGRES_SKIP_REASON}`,
  () => {
    it('sends JOB_COMPLETED, reading the job by id at most once per list poll until it has finished', async () => {
      const { datasetId } = await seedDataset(stack, DEMO);
      const createJob = (name: string) =>
        stack.client.createJob(DEMO, {
          name,
          baseModelId: LLAMA_INSTRUCT,
          dataset: { id: datasetId, answerColumn: 'answer' },
        });
      const x = await createJob('pushed-out');
      clock.at(x, 0.3); // running
      const registered = await stack.gql(
        'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
        { i: { url: receiver.url, events: ['JOB_CREATED', 'JOB_COMPLETED'] } },
        DEMO,
      );
      expect(registered.errors).toBeUndefined();
      // A first newer job reported: the watcher's poller has polled, and knows the running job.
      const first = await createJob('newer-0');
      await eventually(created(first.id), 20_000, 'JOB_CREATED of the first newer job');
      const newer = [];
      for (let i = 1; i <= 4; i += 1) newer.push(await createJob(`newer-${i}`));
      await eventually(created(newer.at(-1)!.id), 20_000, 'JOB_CREATED of the newest job');

      stack.simulator.resetStats();
      clock.at(x, 1.5); // completed (and so are the newer jobs)
      const completed = await eventually(
        () => receiver.events().find((e) => e.type === 'JOB_COMPLETED' && e.data.job.id === x.id),
        20_000,
        'JOB_COMPLETED of the job past the window',
      );
      expect(completed.data).toMatchObject({ previousStatus: 'RUNNING', job: { status: 'COMPLETED' } });
      const until = stack.simulator.stats();
      // Nobody subscribes to a job: every read by id is the list poller following the job past its window.
      // (One poll may have listed before the count began, and read the job after.)
      expect(until['GET /jobs/{id}'] ?? 0).toBeLessThanOrEqual((until['GET /jobs'] ?? 0) + 1);

      stack.simulator.resetStats();
      await new Promise((r) => setTimeout(r, 500));
      const after = stack.simulator.stats();
      expect(after['GET /jobs'] ?? 0).toBeGreaterThan(2);
      expect(after['GET /jobs/{id}'] ?? 0).toBe(0);
    }, 60_000);

    it('a new watch of the endpoint follows the jobs it last saw unfinished, though its poller never listed them', async () => {
      const { datasetId } = await seedDataset(stack, DEMO, 'follow');
      const createJob = (name: string) =>
        stack.client.createJob(DEMO, {
          name,
          baseModelId: LLAMA_INSTRUCT,
          dataset: { id: datasetId, answerColumn: 'answer' },
        });
      // The first test's endpoint goes: this one is the account's only watcher.
      const listed = await stack.gql('{ webhookEndpoints { id } }', {}, DEMO);
      for (const { id } of listed.data!.webhookEndpoints as Array<{ id: string }>)
        expect(
          (await stack.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }', { id }, DEMO))
            .errors,
        ).toBeUndefined();
      const x = await createJob('seen-running');
      clock.at(x, 0.3); // running: the endpoint's baseline
      const registered = await stack.gql(
        'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
        { i: { url: receiver.url, events: ['JOB_CREATED', 'JOB_COMPLETED'] } },
        DEMO,
      );
      expect(registered.errors).toBeUndefined();
      const id = registered.data!.createWebhookEndpoint.endpoint.id as string;
      const update = (enabled: boolean) =>
        stack.gql(
          'mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { enabled } }',
          { i: { id, enabled } },
          DEMO,
        );
      // Its watch (the account's only watcher) has listed the running job; then the endpoint goes off,
      // and its poller with it: no list poll for a while.
      await eventually(created((await createJob('newer-before')).id), 20_000, 'a first poll');
      expect((await update(false)).errors).toBeUndefined();
      await eventually(
        async () => {
          stack.simulator.resetStats();
          await new Promise((r) => setTimeout(r, 200));
          return (stack.simulator.stats()['GET /jobs'] ?? 0) === 0 || undefined;
        },
        20_000,
        'the poller gone',
      );
      const newer = [];
      for (let i = 0; i < 5; i += 1) newer.push(await createJob(`newer-${i}`));
      expect((await update(true)).errors).toBeUndefined();
      await eventually(created(newer.at(-1)!.id), 20_000, 'JOB_CREATED of the newest job');

      clock.at(x, 1.5); // completed
      const completed = await eventually(
        () => receiver.events().find((e) => e.type === 'JOB_COMPLETED' && e.data.job.id === x.id),
        20_000,
        'JOB_COMPLETED of the job its new poller never listed',
      );
      expect(completed.data).toMatchObject({ previousStatus: 'RUNNING', job: { status: 'COMPLETED' } });
    }, 90_000);
  },
);
