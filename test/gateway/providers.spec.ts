/**
 * Choosing a provider (issue 19): `X-Provider` puts a request on Nscale or Together, each with its
 * own credentials and caches; an unknown provider, or an id of the other provider, is refused before
 * any upstream call. Counted from both embedded simulators' statistics.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, OTHER, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
});

const nonZero = (stats: Record<string, number>) => Object.fromEntries(Object.entries(stats).filter(([, n]) => n > 0));
const togetherCalls = () => nonZero(stack.togetherSimulator!.stats());

async function gql(query: string, headers: Record<string, string>, variables?: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** The errors of a subscription's one and last event, read over SSE. */
async function subscriptionErrors(query: string, headers: Record<string, string>, variables: object): Promise<unknown> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const events = (await response.text()).split('\n').filter((line) => line.startsWith('data: {'));
  expect(events).toHaveLength(1);
  return (JSON.parse(events[0]!.slice('data: '.length)) as { errors?: unknown }).errors;
}

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
const HF_TOKEN = `hf_${'a'.repeat(34)}`;
const MODELS = '{ baseModels { provider id name contextLength trainingPrecision } }';

describe('providers', () => {
  it('lists both embedded providers, Nscale first and default, with what each can do', async () => {
    const { data } = await gql('{ providers { name isDefault capabilities { datasets checkpoints dpo } } }', {});
    expect(data?.providers).toEqual([
      { name: 'NSCALE', isDefault: true, capabilities: { datasets: true, checkpoints: false, dpo: false } },
      { name: 'TOGETHER', isDefault: false, capabilities: { datasets: false, checkpoints: true, dpo: true } },
    ]);
  });

  it("lists the statuses each provider's jobs can have: a status filter's choices (Together has no STARTING)", async () => {
    const { data } = await gql('{ providers { name jobStatuses } }', {});
    expect(data?.providers).toEqual([
      { name: 'NSCALE', jobStatuses: ['QUEUED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] },
      { name: 'TOGETHER', jobStatuses: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] },
    ]);
  });

  it('puts a request on Together with X-Provider: together, and never calls Nscale for it', async () => {
    const { data, errors } = await gql(MODELS, TOGETHER);
    expect(errors).toBeUndefined();
    expect(data?.baseModels.length).toBeGreaterThan(0);
    for (const model of data?.baseModels ?? [])
      expect(model).toMatchObject({ provider: 'TOGETHER', trainingPrecision: null });
    expect(togetherCalls()['GET /models']).toBe(1);
    expect(stack.calls()).toEqual({});
  });

  it('without X-Provider a request runs on Nscale exactly as before', async () => {
    const { data } = await gql(MODELS, headersFor(DEMO));
    expect(data?.baseModels[0]).toMatchObject({ provider: 'NSCALE' });
    expect(stack.calls()).toEqual({ 'GET /base-models': 1 });
    expect(togetherCalls()).toEqual({});
  });

  it('refuses an unknown provider with BAD_USER_INPUT naming the enabled ones, calling neither', async () => {
    const { errors } = await gql(MODELS, { ...headersFor(DEMO), 'x-provider': 'acme' });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toBe('provider: "acme" is not a provider this gateway serves: nscale, together');
    expect(stack.calls()).toEqual({});
    expect(togetherCalls()).toEqual({});
  });

  it('refuses an id of the other provider, naming both, before any upstream call', async () => {
    const onNscale = await gql('{ job(id: "together:ft-1") { id } }', headersFor(DEMO));
    expect(onNscale.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(onNscale.errors?.[0]?.message).toMatch(/id of provider together, and this request is for provider nscale/);
    const onTogether = await gql('mutation { cancelJob(id: "job-1") { id } }', TOGETHER);
    expect(onTogether.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Not Together's; whose it is nothing says (Nscale's ids have no form of their own): told both ways.
    expect(onTogether.errors?.[0]?.message).toBe(
      'id: "job-1" is not an id of provider together: its ids start with "together:" as the gateway gives them ' +
        'out ("together:ft-…", "together:file-…"); an id of provider nscale is sent with X-Provider: nscale ' +
        '(over WebSocket, connectionParams.provider)',
    );
    // Together's own form of an id (from its API or SDK), without the gateway's prefix: told the form to send.
    const own = await gql('{ job(id: "ft-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10") { id } }', TOGETHER);
    expect(own.errors).toEqual([
      expect.objectContaining({
        message:
          'id: "ft-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10" is Together\'s own form of an id; the gateway\'s ids of ' +
          'Together\'s objects start with "together:": send "together:ft-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10"',
        extensions: { code: 'BAD_USER_INPUT', field: 'id' },
      }),
    ]);
    // The export names its job in `jobId`: refused alike, naming that field.
    const exported = await gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
      headersFor(DEMO),
      { i: { jobId: 'together:ft-1', userId: 'alice', repositoryId: 'alice/adapter', accessToken: HF_TOKEN } },
    );
    expect(exported.errors).toEqual([
      expect.objectContaining({
        message:
          'jobId: "together:ft-1" is an id of provider together, and this request is for provider nscale: send it ' +
          'with X-Provider: together (over WebSocket, connectionParams.provider)',
        extensions: { code: 'BAD_USER_INPUT', field: 'jobId' },
      }),
    ]);
    expect(stack.calls()).toEqual({});
    expect(togetherCalls()).toEqual({});
  });

  it('answers an unknown job NOT_FOUND in the same words on both providers, naming the argument', async () => {
    const nscale = { provider: 'nscale', headers: headersFor(DEMO), id: 'job-0123456789abcdef' };
    const together = {
      provider: 'together',
      headers: TOGETHER,
      id: 'together:ft-00000000-0000-4000-8000-000000000000',
    };
    for (const { provider, headers, id } of [nscale, together]) {
      const expected = {
        message: `id: "${id}" is not one of your jobs on provider ${provider} (see jobs)`,
        extensions: { code: 'NOT_FOUND', field: 'id' },
      };
      for (const query of [
        'query($id: ID!) { job(id: $id) { id } }',
        'mutation($id: ID!) { cancelJob(id: $id) { id } }',
      ])
        expect((await gql(query, headers, { id })).errors, `${provider}: ${query}`).toEqual([
          expect.objectContaining(expected),
        ]);
      expect(
        await subscriptionErrors('subscription($id: ID!) { jobUpdated(id: $id) { id } }', headers, { id }),
      ).toEqual([expect.objectContaining(expected)]);
    }
    const exported = await gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
      headersFor(DEMO),
      { i: { jobId: nscale.id, userId: 'alice', repositoryId: 'alice/adapter', accessToken: HF_TOKEN } },
    );
    expect(exported.errors).toEqual([
      expect.objectContaining({
        message: `jobId: "${nscale.id}" is not one of your jobs on provider nscale (see jobs)`,
        extensions: { code: 'NOT_FOUND', field: 'jobId' },
      }),
    ]);
  });

  it("answers an id of Together's own form on Nscale NOT_FOUND, saying how a Together job is sent", async () => {
    // Nscale's ids are opaque: only Nscale's answer says the job is not there; the form then says whose it looks.
    const id = 'ft-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10';
    const { errors } = await gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', headersFor(DEMO), { id });
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          `id: "${id}" is not one of your jobs on provider nscale (see jobs); it has the form of Together's own job ` +
          'ids: a Together job is sent with X-Provider: together (over WebSocket, connectionParams.provider), as ' +
          `the gateway gives it out: "together:${id}"`,
        extensions: { code: 'NOT_FOUND', field: 'id' },
      }),
    ]);
    expect(stack.calls()).toEqual({ 'POST /jobs/{id}/cancel': 1 });
    expect(togetherCalls()).toEqual({});
  });

  it('refuses what runs on Nscale only so far, naming the provider, and sends the Together key nowhere', async () => {
    const { errors } = await gql('{ datasets { id } }', TOGETHER);
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toMatch(/not available on provider together/);
    expect(stack.calls()).toEqual({});
    expect(togetherCalls()).toEqual({});
  });

  it('keeps each provider’s catalogue cache apart: the same token on both reaches both upstreams', async () => {
    // 'other-token' is a tenant of both simulators, not used by the specs above: each cache is cold.
    const together = { authorization: 'Bearer other-token', 'x-provider': 'together' };
    for (let i = 0; i < 2; i++) {
      expect((await gql(MODELS, headersFor(OTHER))).data?.baseModels[0]).toMatchObject({ provider: 'NSCALE' });
      expect((await gql(MODELS, together)).data?.baseModels[0]).toMatchObject({ provider: 'TOGETHER' });
    }
    expect(stack.calls()).toEqual({ 'GET /base-models': 1 });
    expect(togetherCalls()['GET /models']).toBe(1);
  });

  it('serves a Together caller without credentials as the demo account on loopback only', async () => {
    const local = await gql(MODELS, { 'x-provider': 'together' });
    expect(local.errors).toBeUndefined();
    const foreign = await stack.gateway.yoga.fetch('http://evil.example/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-provider': 'together' },
      body: JSON.stringify({ query: MODELS }),
    });
    const body = (await foreign.json()) as GraphQLResponse;
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
