/**
 * Live updates of Together jobs (issue 19): `jobUpdated` over SSE to many subscribers of one Together
 * job costs one upstream poll per interval (counted from the Together simulator), every subscriber
 * gets the job to COMPLETED with its loss curve; `jobsUpdated` on Together pushes Together's jobs,
 * and an Nscale subscriber's list holds none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const CSV = ['prompt,answer', '"What is LoRA?","Low-rank adaptation."', '"What is an epoch?","A full pass."'].join(
  '\n',
);
const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
/** The harness's poll interval (POLL_INTERVAL_RUNNING_MS). */
const INTERVAL_MS = 50;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1.5' } });
});
afterAll(() => stack.close());

const fetchAs =
  (headers: Record<string, string>) =>
  (url: string, init: RequestInit): Promise<Response> =>
    Promise.resolve(stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), ...headers } }));

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

async function createTogetherJob(name: string): Promise<string> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({ query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }', variables: { file: null } }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new File([CSV], `${name}.csv`, { type: 'text/csv' }));
  const uploaded = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json', ...TOGETHER },
    body: form,
  });
  const fileId = ((await uploaded.json()) as GraphQLResponse).data?.uploadFile.id as string;
  const input = {
    name,
    baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
    files: { trainingFileId: fileId },
    hyperparameters: { nEpochs: 2, batchSize: 8 },
  };
  return (await gql(TOGETHER, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', { i: input })).data
    ?.createJob.id as string;
}

const WATCH =
  'subscription($id: ID!) { jobUpdated(id: $id) { id provider status metrics { points { step trainingLoss } } } }';

describe('live updates of a Together job', () => {
  it('one poll per interval for 20 subscribers, each seeing the job to COMPLETED with its loss curve', async () => {
    const id = await createTogetherJob('live');
    const subscribers = Array.from({ length: 20 }, () =>
      subscribeSse(fetchAs(TOGETHER), 'http://localhost', WATCH, { id }, null),
    );
    const firstEvents = async () => {
      while (!subscribers.every((s) => s.events.length > 0)) await new Promise((r) => setTimeout(r, 10));
    };
    await firstEvents();
    stack.togetherSimulator!.resetStats();
    const started = Date.now();
    await Promise.all(subscribers.map((s) => s.done));
    const elapsed = Date.now() - started;

    for (const s of subscribers) {
      expect(s.completed).toBe(true);
      for (const event of s.events) expect(event.errors).toBeUndefined();
      const last = s.events.at(-1)?.data?.jobUpdated;
      expect(last).toMatchObject({ id, provider: 'TOGETHER', status: 'COMPLETED' });
      expect(last.metrics.points.length).toBeGreaterThan(1);
    }
    // Every poll is at least an interval after the previous one: one shared poller, not one per subscriber.
    const polls = stack.togetherSimulator!.stats()['GET /fine-tunes/{id}'] ?? 0;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 2);
    expect(stack.calls()).toEqual({});
  });

  it('jobsUpdated on Together pushes Together’s jobs; an Nscale subscriber’s list holds none', async () => {
    const LIST = 'subscription { jobsUpdated { id provider } }';
    const together = subscribeSse(fetchAs(TOGETHER), 'http://localhost', LIST, {}, null);
    const nscale = subscribeSse(fetchAs(headersFor(DEMO)), 'http://localhost', LIST, {}, null);
    const id = await createTogetherJob('listed');
    while (!together.events.some((e) => e.data?.jobsUpdated.id === id)) await new Promise((r) => setTimeout(r, 10));
    for (const event of together.events) expect(event.data?.jobsUpdated.provider).toBe('TOGETHER');
    for (const event of nscale.events) expect(event.data?.jobsUpdated.provider).toBe('NSCALE');
    expect(nscale.events.some((e) => e.data?.jobsUpdated.id === id)).toBe(false);
    together.abort();
    nscale.abort();
  });
});
