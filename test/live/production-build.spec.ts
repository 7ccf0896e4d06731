/**
 * The production start as it ships: `npm start`'s program, dist/server/main-production.js, which the
 * build bundles from tsc's output (scripts/bundle-server.mjs), on its embedded simulators. The other
 * specs run the sources; this one runs the bundle through what bundling could break and they cannot
 * see: files found beside a module (the dashboard, the analysis and row-counting worker modules),
 * packages left external (GraphiQL's page, piscina, the tokenizers), code loaded lazily (the
 * simulators, the CSV parser), a single copy of graphql (a second would refuse the schema), and both
 * subscription transports; then with Redis, the rate limit and tracing configured (ioredis required
 * from beside the bundle, the rate limiter and the OpenTelemetry SDK loaded as chunks of their own).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QA_CSV, QWEN_SMALL } from '../harness/fixtures.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { subscribeSse } from '../harness/sse.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { eventually } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** More than one batch of the simulator's row counter (256 K characters), so its worker thread counts it. */
const LARGE_CSV = [
  'question,answer',
  ...Array.from(
    { length: 3_000 },
    (_, i) =>
      `"What is step ${i} of the training run about?","Step ${i} updates the adapter's weights from one batch of examples."`,
  ),
].join('\n');

let gateway: GatewayProcess;
beforeAll(async () => {
  // What `npm start`'s pre-step would build: nothing after `npm ci`, the server part after an edit.
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'pipe' });
  gateway = await startGatewayProcess(
    { NODE_ENV: 'production', LOG_LEVEL: 'info', METRICS_PORT: '0', SIMULATOR_JOB_SECONDS: '1' },
    ['--max-semi-space-size=64', '--expose-gc', 'dist/server/main-production.js'],
  );
}, 180_000);
afterAll(() => gateway?.stop());

async function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}

describe('the production build (dist/server/main-production.js)', () => {
  it("serves GraphiQL's page and the built dashboard", async () => {
    const graphiql = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('Fine-tuning gateway');

    const dashboard = await fetch(`${gateway.url}/dashboard/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toBe(readFileSync(`${ROOT}dist/dashboard/index.html`, 'utf8'));
  });

  it('counts a large dataset in both worker threads and agrees with the upstream to the token', async () => {
    const file = await uploadCsv(gateway.url, 'large.csv', LARGE_CSV);
    expect(file.errors).toBeUndefined();
    const dataset = await postGraphQL(
      gateway.url,
      'mutation($f: ID!) { createDataset(input: { name: "large", trainingFileId: $f }) { id } }',
      { f: file.data?.uploadFile.id },
    );
    expect(dataset.errors).toBeUndefined();

    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query:
          'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { usableRows } cost { tokens } upstreamEstimate { tokens matchesLocal } } }',
        variables: {
          input: {
            trainingFile: null,
            promptColumn: 'question',
            answerColumn: 'answer',
            baseModelId: QWEN_SMALL,
            compareWithDatasetId: dataset.data?.createDataset.id,
          },
        },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.input.trainingFile'] }));
    form.set('0', new Blob([LARGE_CSV], { type: 'text/csv' }), 'large.csv');
    const analysis = (await (await fetch(`${gateway.url}/graphql`, { method: 'POST', body: form })).json()) as {
      data?: any;
      errors?: unknown;
    };
    expect(analysis.errors).toBeUndefined();
    const report = analysis.data.analyzeDataset;
    expect(report.training.usableRows).toBe(3_000);
    expect(report.cost.tokens).toBeGreaterThan(0);
    expect(report.upstreamEstimate).toEqual({ tokens: report.cost.tokens, matchesLocal: true });
  }, 60_000);

  it('runs a job to COMPLETED, followed over graphql-ws and SSE, and downloads its adapter', async () => {
    const file = await uploadCsv(gateway.url, 'qa.csv', QA_CSV);
    const dataset = await postGraphQL(
      gateway.url,
      'mutation($f: ID!) { createDataset(input: { name: "qa", trainingFileId: $f }) { id } }',
      { f: file.data?.uploadFile.id },
    );
    const created = await postGraphQL(gateway.url, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
      i: {
        name: 'bundled',
        baseModelId: QWEN_SMALL,
        dataset: { id: dataset.data?.createDataset.id, promptColumn: 'question', answerColumn: 'answer' },
        hyperparameters: { nEpochs: 1, nEvals: 1, batchSize: 4 },
      },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data?.createJob.id as string;

    const watch = 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }';
    const client = wsClient(gateway.url, null);
    const sse = subscribeSse(fetch, gateway.url, watch, { id }, null);
    try {
      const ws = subscribeWs(client, watch, { id });
      await eventually(
        () => (ws.events.at(-1)?.data?.jobUpdated.status === 'COMPLETED' ? true : undefined),
        30_000,
        'graphql-ws to report COMPLETED',
      );
      await eventually(
        () => (sse.events.at(-1)?.data?.jobUpdated.status === 'COMPLETED' ? true : undefined),
        30_000,
        'SSE to report COMPLETED',
      );
      expect([...ws.events, ...sse.events].flatMap((e) => e.errors ?? [])).toEqual([]);
    } finally {
      sse.abort();
      await client.dispose();
    }
    const job = await postGraphQL(gateway.url, 'query($id: ID!) { job(id: $id) { status downloadUrl } }', { id });
    expect(job.data?.job).toMatchObject({ status: 'COMPLETED', downloadUrl: expect.stringMatching(/^http/) });
    // The adapter itself, packed by the embedded simulator (tar-stream, gzip).
    const adapter = Buffer.from(await (await fetch(job.data?.job.downloadUrl as string)).arrayBuffer());
    expect([...adapter.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  }, 60_000);

  it('runs a job on the embedded Together simulator', async () => {
    const together = { 'x-provider': 'together' };
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!, $c: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $c) { id } }',
        variables: { file: null, c: { promptColumn: 'question' } },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([QA_CSV], { type: 'text/csv' }), 'qa.csv');
    const upload = (await (
      await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: together, body: form })
    ).json()) as { data?: any; errors?: unknown };
    expect(upload.errors).toBeUndefined();

    const created = await gql(
      'mutation($i: CreateJobInput!) { createJob(input: $i) { id provider } }',
      {
        i: {
          name: 'bundled-together',
          baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
          files: { trainingFileId: upload.data.uploadFile.id },
          hyperparameters: { nEpochs: 1, batchSize: 8 },
        },
      },
      together,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createJob.provider).toBe('TOGETHER');
    const status = await eventually(
      async () => {
        const job = await gql(
          'query($id: ID!) { job(id: $id) { status } }',
          { id: created.data?.createJob.id },
          together,
        );
        return job.data?.job.status === 'COMPLETED' ? job.data.job.status : undefined;
      },
      30_000,
      'the Together job to complete',
    );
    expect(status).toBe('COMPLETED');
  }, 60_000);

  it('counts what it served on the metrics port and logged no error', async () => {
    const metricsUrl = /metrics: Prometheus scrapes (http:\/\/\S+)/.exec(gateway.output())?.[1];
    expect(metricsUrl).toBeDefined();
    const metrics = await (await fetch(metricsUrl!)).text();
    expect(metrics).toMatch(/^gateway_http_responses_total\{.*\} [1-9]/m);
    expect(metrics).toMatch(/^gateway_upstream_requests_total\{.*\} [1-9]/m);
    const errors = gateway
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!REDIS)(`the production build with Redis, the rate limit and tracing${REDIS_SKIP_REASON}`, () => {
  let configured: GatewayProcess | undefined;
  let collector: Server;
  const exported: string[] = [];
  beforeAll(async () => {
    // An OTLP/HTTP collector that keeps the path of each export it receives.
    collector = createServer((req, res) => {
      exported.push(`${req.method} ${req.url}`);
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    configured = await startGatewayProcess(
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        METRICS_PORT: '0',
        REDIS_URL,
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_POINTS: '100000',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      },
      ['--max-semi-space-size=64', '--expose-gc', 'dist/server/main-production.js'],
    );
  }, 60_000);
  afterAll(async () => {
    await configured?.stop();
    await new Promise((resolve) => collector?.close(resolve));
  });

  it('is ready on Redis, answers a query within the rate limit, and exports its spans', async () => {
    // Ready once its Redis connections are up (just after it listens).
    await eventually(
      async () => ((await fetch(`${configured!.url}/readyz`)).status === 200 ? true : undefined),
      15_000,
      '/readyz to answer 200',
    );
    const answer = await postGraphQL(configured!.url, '{ baseModels { id } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.baseModels).toHaveLength(8);
    await eventually(() => (exported.includes('POST /v1/traces') ? true : undefined), 30_000, 'spans to be exported');
    expect(configured!.output()).toContain('tracing: on');
  }, 60_000);
});
