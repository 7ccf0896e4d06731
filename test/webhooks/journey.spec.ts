/**
 * Issue 20's first "done when": a local receiver gets a signed delivery for each event of a job that
 * runs to completion, verified with the `standardwebhooks` package, on each provider; and a
 * cancelled job's JOB_CANCELLED. The payload's job is what the API's `job(id)` answers for the same
 * fields. Nobody subscribes: the gateway watches with the endpoint owner's stored credentials.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { createTogetherJob } from '../harness/together-job.js';
import { DEMO, type GraphQLResponse, type Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
const NSCALE = { authorization: `Bearer ${DEMO.token}`, 'x-organization-id': DEMO.organizationId };
const ALL_EVENTS = ['JOB_CREATED', 'JOB_RUNNING', 'JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED', 'JOB_STATUS_CHANGED'];
const ORDER = ['QUEUED', 'STARTING', 'RUNNING', 'COMPLETED'];
const JOB_FIELDS =
  'id provider name status baseModelId datasetId trainingFileId validationFileId createdAt startedAt completedAt error { code message }';

/** Both simulators run on this clock: each job moves only when the spec moves it. */
const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);
interface CreatedJob {
  id: string;
  createdAt: Date;
}

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    togetherSimulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    env: { WEBHOOK_RETRY_SCHEDULE: '100ms,200ms' },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

async function gql(headers: Record<string, string>, query: string, variables?: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body;
}

async function register(headers: Record<string, string>, path: string): Promise<string> {
  const res = await gql(
    headers,
    'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id url events } signingSecret } }',
    { i: { url: `${receiver.url}/${path}`, events: ALL_EVENTS, description: `journey ${path}` } },
  );
  const created = res.data!.createWebhookEndpoint;
  expect(created.endpoint.events).toEqual(ALL_EVENTS);
  expect(created.signingSecret).toMatch(/^whsec_/);
  return created.signingSecret as string;
}

const CREATE_JOB = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }';
const created = (res: GraphQLResponse): CreatedJob => ({
  id: res.data!.createJob.id as string,
  createdAt: new Date(res.data!.createJob.createdAt as string),
});

const togetherJob = (name: string): Promise<CreatedJob> => createTogetherJob(stack.gateway, TOGETHER, name);

async function createNscaleJob(name: string): Promise<CreatedJob> {
  const { datasetId } = await seedDataset(stack, DEMO, name);
  const input = {
    name,
    baseModelId: QWEN_SMALL,
    dataset: { id: datasetId, answerColumn: 'answer' },
  };
  return created(await gql(NSCALE, CREATE_JOB, { i: input }));
}

/** The deliveries of one endpoint path for one job, verified with the endpoint's secret. */
function verifiedFor(path: string, secret: string, jobId: string) {
  const webhook = new Webhook(secret);
  return receiver.received
    .filter(
      (r) =>
        r.path === `/hooks/${path}` && (JSON.parse(r.body) as { data: { job: { id: string } } }).data.job.id === jobId,
    )
    .map((r) => {
      const verified = webhook.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }) as { type: string; data: { provider: string; job: Record<string, unknown>; previousStatus: string | null } };
      return { id: String(r.headers['webhook-id']), headers: r.headers, ...verified };
    });
}

async function until<T>(what: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!POSTGRES).each([
  ['nscale', NSCALE, createNscaleJob],
  ['together', TOGETHER, togetherJob],
] as const)(`webhooks on %s${POSTGRES_SKIP_REASON}`, (provider, headers, createJob) => {
  it('a signed delivery for each event of a job run to completion, verified with standardwebhooks', async () => {
    const secret = await register(headers, provider);
    const job = await createJob(`webhook-${provider}`);
    const jobId = job.id;
    const has = (type: string) => () => {
      const got = verifiedFor(provider, secret, jobId);
      return got.some((e) => e.type === type) ? got : undefined;
    };
    await until(has('JOB_CREATED'));
    clock.at(job, 0.5);
    await until(has('JOB_RUNNING'));
    clock.at(job, 1.2);
    // The move to COMPLETED sends two deliveries, in no guaranteed order: wait for both.
    const events = await until(() => {
      const got = verifiedFor(provider, secret, jobId);
      const done = (e: (typeof got)[number]) => e.data.job.status === 'COMPLETED';
      const both =
        got.some((e) => e.type === 'JOB_COMPLETED') && got.some((e) => e.type === 'JOB_STATUS_CHANGED' && done(e));
      return both ? got : undefined;
    });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'JOB_CREATED')).toHaveLength(1);
    expect(types.filter((t) => t === 'JOB_RUNNING')).toHaveLength(1);
    expect(types.filter((t) => t === 'JOB_COMPLETED')).toHaveLength(1);
    expect(types).not.toContain('JOB_FAILED');
    // Each change is a move forward, and the last one is to COMPLETED.
    const moves = events.filter((e) => e.type === 'JOB_STATUS_CHANGED');
    expect(moves.length).toBeGreaterThanOrEqual(1);
    for (const move of moves)
      expect(ORDER.indexOf(move.data.job.status as string)).toBeGreaterThan(ORDER.indexOf(move.data.previousStatus!));
    // Delivered in no guaranteed order: the furthest move is to COMPLETED.
    expect(moves.map((m) => m.data.job.status)).toContain('COMPLETED');
    // Every event carries its provider, and ids are unique (a receiver may drop repeats by id).
    for (const event of events) expect(event.data.provider).toBe(provider.toUpperCase());
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The caller's token never travels to the endpoint.
    for (const event of events) {
      expect(event.headers.authorization).toBeUndefined();
      expect(JSON.stringify(event.headers)).not.toContain('demo-token');
    }
    // The job as the API shows it.
    const completed = events.find((e) => e.type === 'JOB_COMPLETED')!;
    const shown = (await gql(headers, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id: jobId })).data!.job;
    expect(completed.data.job).toEqual(shown);
  }, 60_000);

  it('a cancelled job sends JOB_CANCELLED', async () => {
    const path = `${provider}-cancel`;
    const secret = await register(headers, path);
    const job = await createJob(`cancel-${provider}`);
    const has = (type: string) => () => {
      const got = verifiedFor(path, secret, job.id);
      return got.some((e) => e.type === type) ? got : undefined;
    };
    await until(has('JOB_CREATED'));
    await gql(headers, 'mutation($id: ID!) { cancelJob(id: $id) { id status } }', { id: job.id });
    // Together takes a moment to stop a job (its cancel grace): the clock moves past it.
    clock.at(job, 0.4);
    const events = await until(has('JOB_CANCELLED'));
    expect(events.filter((e) => e.type === 'JOB_CANCELLED')).toHaveLength(1);
    expect(events.map((e) => e.type)).not.toContain('JOB_COMPLETED');
  }, 60_000);
});
