/**
 * Proof (issue 8): the whole user journey at LOG_LEVEL=debug (upload, dataset, estimate, job, job
 * query, subscription, download, Hugging Face export, a coercion failure, an upstream echo) with
 * recognisable tokens, caller tokens holding quotes and backslashes among them, leaves none of them,
 * in any encoding (test/harness/secret-traces.ts), in any log line (gateway, upstream client, live
 * updates), any error or any response, over real HTTP and SSE.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { composeGateway, type ComposedGateway } from '../../src/server/compose-gateway.js';
import type { RunningServer } from '../../src/server/http.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { startEchoingUpstream, type EchoingUpstream } from '../harness/echoing-upstream.js';
import { QA_CSV, QWEN_SMALL } from '../harness/fixtures.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { tracesIn } from '../harness/secret-traces.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually } from '../harness/stack.js';

const CALLERS = [
  { token: 'CALLER-quote"and\\backslash-1x7', organizationId: 'journey-org' },
  { token: 'CALLER-plain-recognisable-2q9', organizationId: 'journey-org' },
];
const HF_TOKEN = `hf_RECOGNISABLE${'Zq9'.repeat(8)}`;
const HF_MALFORMED = 'hf_BAD"token\\with-quotes';
/** A token sent only once, inline: nothing else holds it for the redactor. */
const HF_INLINE = `hf_INLINEONLY${'Qk7'.repeat(8)}`;
const SECRETS = [...CALLERS.map((c) => c.token), HF_TOKEN, HF_MALFORMED, HF_INLINE];

let simulator: Simulator;
let echo: EchoingUpstream;
let composed: ComposedGateway;
let server: RunningServer;
const lines: string[] = [];
const answers: string[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, jobSeconds: 1, tenants: CALLERS });
  echo = await startEchoingUpstream(simulator.origin);
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  // The composition root scrubs every component's lines (upstream, live updates, gateway) with one redactor.
  composed = await composeGateway(
    loadConfig({
      NSCALE_API_URL: echo.apiBaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      // 30 s: the simulator's first dry run for a model loads its tokenizer (seconds on a loaded machine).
      UPSTREAM_DEADLINE_MS: '30000',
      POLL_INTERVAL_RUNNING_MS: '50',
      POLL_INTERVAL_QUEUED_MS: '50',
      POLL_INTERVAL_LIST_MS: '50',
      POLL_MAX_BACKOFF_MS: '200',
    }),
    {
      logger,
      upstreamClient: (options) => createUpstreamClient({ ...options, retry: { baseDelayMs: 5, maxDelayMs: 20 } }),
    },
  );
  server = composed.server!;
});
afterAll(async () => {
  await composed.close();
  await echo.close();
  await simulator.close();
});

describe.each(CALLERS)('the journey of $token', (caller) => {
  it('leaves no token in any log line, error or response', async () => {
    const url = server.url;
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await postGraphQL(url, query, variables, caller);
      answers.push(JSON.stringify(res));
      return res;
    };

    const upload = await uploadCsv(url, 'qa.csv', QA_CSV, caller);
    answers.push(JSON.stringify(upload));
    expect(upload.errors).toBeUndefined();
    const dataset = await gql('mutation($f: ID!) { createDataset(input: { name: "qa", trainingFileId: $f }) { id } }', {
      f: upload.data?.uploadFile.id,
    });
    const input = {
      name: 'journey',
      baseModelId: QWEN_SMALL,
      dataset: { id: dataset.data?.createDataset.id, promptColumn: 'question', answerColumn: 'answer' },
    };
    expect(
      (await gql('query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }', { i: input })).errors,
    ).toBeUndefined();
    const created = await gql('mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', { i: input });
    const jobId = created.data?.createJob.id as string;

    const sse = subscribeSse(
      fetch,
      url,
      'subscription($id: ID!) { jobUpdated(id: $id) { status } }',
      { id: jobId },
      caller,
    );
    await sse.done;
    answers.push(JSON.stringify(sse.events));
    expect(sse.events.at(-1)?.data?.jobUpdated.status).toBe('COMPLETED');

    await eventually(async () =>
      (await gql('query($id: ID!) { job(id: $id) { status downloadUrl } }', { id: jobId })).data?.job.downloadUrl
        ? true
        : undefined,
    );
    const exported = await gql(
      'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id status } }',
      {
        i: { jobId, userId: 'me', accessToken: HF_TOKEN, repositoryId: 'me/adapter' },
      },
    );
    expect(exported.errors).toBeUndefined();

    // A coercion failure (a missing field, the variables quoted by graphql-js) and a malformed token.
    expect(
      (
        await gql('mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }', {
          i: { jobId, userId: 'me', accessToken: HF_TOKEN },
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    expect(
      (
        await gql('mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }', {
          i: { jobId, userId: 'me', accessToken: HF_MALFORMED, repositoryId: 'me/adapter' },
        })
      ).errors?.[0]?.extensions?.field,
    ).toBe('accessToken');
    // An inline literal that fails validation, then upstream echoes of the body and the Authorization header.
    await gql(
      `mutation { exportJobToHuggingFace(input: { jobId: "${jobId}", userId: "me", accessToken: ${JSON.stringify(HF_MALFORMED)}, repositoryId: 7 }) { id } }`,
    );
    // Inline with what GraphQL ignores between the name and the value (commas), for a job
    // that does not exist: the NOT_FOUND's debug line quotes the document.
    expect(
      (
        await gql(
          `mutation {\n exportJobToHuggingFace(input: {\n accessToken ,, : , "${HF_INLINE}", jobId: "nope", userId: "me", repositoryId: "me/adapter" }) { id } }`,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
    echo.echoNext(1);
    expect(
      (
        await gql('mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }', {
          i: { jobId, userId: 'me', accessToken: HF_TOKEN, repositoryId: 'me/adapter' },
        })
      ).errors?.[0]?.message,
    ).toContain('[redacted]');
    echo.echoNext(1);
    expect((await gql('query($id: ID!) { job(id: $id) { id } }', { id: jobId })).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );

    expect(lines.some((l) => l.includes('"level":20'))).toBe(true); // debug lines were written
    expect(tracesIn(answers.join('\n'), SECRETS)).toEqual([]);
    expect(tracesIn(lines.join('\n'), SECRETS)).toEqual([]);
  }, 30_000);
});
