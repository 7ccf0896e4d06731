/** What a client sees when things go wrong: one vocabulary of codes, nothing internal, no secrets. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
  stack = await startStack({ gateway: { responseCache: null } });
});
afterAll(() => stack.close());
afterEach(() => stack.simulator.setFaults({}));

describe('errors', () => {
  it('a malformed document is GRAPHQL_PARSE_FAILED and an unknown field GRAPHQL_VALIDATION_FAILED', async () => {
    const parse = await stack.gql('{ baseModels { id ');
    expect(parse.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const validation = await stack.gql('{ baseModels { price } }');
    expect(validation.errors?.[0]).toMatchObject({
      message: 'Cannot query field "price" on type "BaseModel".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('an upstream that stays down is UPSTREAM_UNAVAILABLE, after retries', async () => {
    stack.simulator.resetStats();
    stack.simulator.setFaults({ route: 'GET /datasets', error: { rate: 1, status: 503 } });
    const res = await stack.gql('{ datasets { id } }');
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.calls()['GET /datasets']).toBe(3);
  });

  it('a brief upstream fault is retried away for reads', async () => {
    stack.simulator.setFaults({
      route: 'GET /datasets',
      error: { count: 1, status: 503 },
      rules: [{ route: 'GET /datasets', drop: { count: 1 } }],
    });
    const res = await stack.gql('{ datasets { id } }');
    expect(res.errors).toBeUndefined();
  });

  it('a rate limit that outlasts the deadline is RATE_LIMITED with the wait the upstream asked for', async () => {
    stack.simulator.setFaults({ route: 'GET /datasets', rateLimit: { rate: 1, retryAfterSeconds: 30 } });
    const res = await stack.gql('{ datasets { id } }');
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
  });

  it("cancelling a finished job is CONFLICT naming `id`, the job's status and the rule, then the upstream's message", async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'to cancel',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const first = await stack.gql('mutation($id: ID!) { cancelJob(id: $id) { status } }', { id: job.id });
    expect(first.data?.cancelJob.status).toBe('CANCELLED');
    const again = await stack.gql('mutation($id: ID!) { cancelJob(id: $id) { status } }', { id: job.id });
    expect(again.data).toBeNull();
    expect(again.errors?.[0]).toMatchObject({
      message:
        `id: job "${job.id}" is CANCELLED; only a QUEUED, STARTING or RUNNING job can be cancelled. Nscale answered: ` +
        `"job ${job.id} is already cancelled; only queued, starting or running jobs can be cancelled"`,
      extensions: { code: 'CONFLICT', field: 'id' },
    });
  });

  it('a job that is not completed has no download URL, and exports of it are CONFLICT naming `jobId` and the rule', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'young',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const res = await stack.gql('query($id: ID!) { job(id: $id) { status downloadUrl } }', { id: job.id });
    expect(res.data?.job).toEqual({ status: 'QUEUED', downloadUrl: null });
    const token = `hf_${'a'.repeat(34)}`;
    const exported = await stack.gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
      { i: { jobId: job.id, userId: 'someone', accessToken: token, repositoryId: 'someone/adapter' } },
    );
    expect(exported.errors?.[0]).toMatchObject({
      message:
        `jobId: job "${job.id}" is QUEUED; only a COMPLETED job can be exported. Nscale answered: ` +
        `"job ${job.id} is queued; only a completed job can be exported"`,
      extensions: { code: 'CONFLICT', field: 'jobId' },
    });
    expect(JSON.stringify(exported)).not.toContain(token);
  });

  it('a Hugging Face token of the wrong form is BAD_USER_INPUT, and the token is never echoed', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'x',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const token = 'not-a-hugging-face-token-123';
    const res = await stack.gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
      { i: { jobId: job.id, userId: 'someone', accessToken: token, repositoryId: 'someone/adapter' } },
    );
    expect(res.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|CONFLICT/);
    expect(JSON.stringify(res)).not.toContain(token);
  });

  it('a Hugging Face token in an input that fails coercion is not echoed (regression: graphql-js printed the whole variable)', async () => {
    const token = `hf_${'s'.repeat(34)}`;
    const res = await stack.gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
      { i: { jobId: 'job-1', userId: 'someone', accessToken: token } },
    );
    expect(res.errors?.[0]).toMatchObject({
      message: 'Variable "$i" got an invalid value; Field "repositoryId" of required type "String!" was not provided.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(JSON.stringify(res)).not.toContain(token);
  });

  it('a body that is not JSON is a 400 BAD_USER_INPUT that does not quote the body back', async () => {
    const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ baseModels { id } }", "token": "secret-in-body',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it('a body of an unsupported type is a 415 that says which types are accepted', async () => {
    const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{ baseModels { id } }',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      errors: [
        {
          message:
            'Content-Type text/plain is not supported: send application/json or application/graphql+json (a GraphQL ' +
            'request as JSON), application/graphql (the document alone), application/x-www-form-urlencoded (the ' +
            'request as form fields) or multipart/form-data (a GraphQL multipart upload).',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });

  it('every content type the 415 names is one the endpoint takes', async () => {
    const query = '{ __typename }';
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query }));
    multipart.set('map', '{}');
    const bodies: Array<[string | null, BodyInit]> = [
      ['application/json', JSON.stringify({ query })],
      ['application/graphql+json', JSON.stringify({ query })],
      ['application/graphql', query],
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(query)}`],
      [null, multipart], // multipart/form-data with its boundary, set by fetch
    ];
    for (const [type, body] of bodies) {
      const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: type === null ? {} : { 'content-type': type },
        body,
      });
      expect([type, response.status, await response.json()]).toEqual([type, 200, { data: { __typename: 'Query' } }]);
    }
  });

  it('a mutation over GET is refused with 405 and BAD_USER_INPUT', async () => {
    const query = encodeURIComponent('mutation { cancelJob(id: "job-1") { id } }');
    const response = await stack.gateway.yoga.fetch(`http://gateway.test/graphql?query=${query}`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(405);
    expect(((await response.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('a bug is masked as INTERNAL_SERVER_ERROR and logged with its detail, never shown', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const broken = {
      ...stack.client,
      listDatasets: async () => {
        throw new TypeError('cannot read properties of undefined (secret detail)');
      },
    };
    const composed = await gatewayOnClient(broken, {
      fallbackCredentials: DEMO,
      allowedHosts: ['gateway.test'],
      logger,
    });
    onTestFinished(() => composed.close());
    const response = await composed.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ datasets { id } }' }),
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]).toEqual({
      message: 'Unexpected error.',
      locations: [{ line: 1, column: 3 }],
      path: ['datasets'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(body)).not.toContain('secret detail');
    expect(lines.join('')).toContain('secret detail');
    expect(lines.join('')).not.toContain('demo-token');
  });
});
