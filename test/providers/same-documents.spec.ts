/**
 * The same GraphQL documents on each provider (issue 19): the dashboard's operations, as it sends
 * them (read from dashboard/src/operations.ts), and GraphiQL's example tabs where they need no
 * dataset, run the journey to a completed job with its loss curve and download link on Nscale and on
 * Together, on the embedded simulators; only the variables differ (Together takes files, not a
 * dataset). The dashboard's job page subscribes (`jobUpdated`); here its selection is read with
 * `job(id:)`, the same fields, since a Together job's live updates are not served yet.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { QWEN_SMALL } from '../harness/fixtures.js';
import { DEMO, eventually, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { gatewayMultipart } from '../harness/together-job.js';

const OPERATIONS = readFileSync(new URL('../../dashboard/src/operations.ts', import.meta.url), 'utf8');
const dashboard = (name: string): string => {
  const found = new RegExp(`export const ${name} = graphql\\(\`([\\s\\S]*?)\`\\);`).exec(OPERATIONS)?.[1];
  if (!found) throw new Error(`no operation ${name} in dashboard/src/operations.ts`);
  return found;
};
const graphiql = (name: string): string => {
  const tab = GRAPHIQL_TABS.find((t) => new RegExp(`^query ${name}\\b`, 'm').test(t.query));
  if (!tab) throw new Error(`no GraphiQL tab with query ${name}`);
  return tab.query;
};
/** The job page's subscription, its selection read once. */
const JOB_DETAIL = dashboard('JobDetail').replace(
  /subscription JobDetail\(\$id: ID!\) \{\s*jobUpdated\(id: \$id\)/,
  'query JobDetail($id: ID!) { job(id: $id)',
);

/** Columns named as Together's CSV conversion expects by default; any names do on Nscale. */
const CSV = [
  'prompt,answer',
  '"What is LoRA?","Low-rank adaptation: small trainable matrices beside frozen weights."',
  '"What is an epoch?","One complete pass through the training data."',
  '"What is a batch?","The examples processed together in one training step."',
].join('\n');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());

async function run(headers: Record<string, string>, query: string, variables?: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body;
}

async function upload(headers: Record<string, string>): Promise<string> {
  const body = await gatewayMultipart(
    stack.gateway,
    dashboard('UploadFile'),
    { file: null },
    { 'variables.file': new File([CSV], 'qa.csv', { type: 'text/csv' }) },
    headers,
  );
  expect(body.errors).toBeUndefined();
  return body.data?.uploadFile.id as string;
}

interface Provider {
  name: string;
  headers: Record<string, string>;
  model: string;
  batchSize: number;
  /** The training data of a job: a dataset made of the file (Nscale), or the file itself (Together). */
  data(fileId: string): Promise<object>;
}

const PROVIDERS: Provider[] = [
  {
    name: 'nscale',
    headers: headersFor(DEMO),
    model: QWEN_SMALL,
    batchSize: 4,
    data: async (fileId) => {
      const made = await run(headersFor(DEMO), dashboard('CreateDataset'), {
        input: { name: 'qa', trainingFileId: fileId },
      });
      return { dataset: { id: made.data?.createDataset.id, promptColumn: 'prompt', answerColumn: 'answer' } };
    },
  },
  {
    name: 'together',
    headers: { authorization: 'Bearer demo-token', 'x-provider': 'together' },
    model: 'meta-llama/Llama-3.2-3B-Instruct',
    batchSize: 8,
    data: async (fileId) => ({ files: { trainingFileId: fileId } }),
  },
];

describe.each(PROVIDERS)('the same documents on $name', (p) => {
  it('run the journey to a completed job with its loss curve and download link', async () => {
    const models = await run(p.headers, dashboard('BaseModels'));
    expect(models.data?.baseModels.map((m: { id: string }) => m.id)).toContain(p.model);
    expect((await run(p.headers, graphiql('BaseModels'))).data?.baseModels.length).toBe(models.data?.baseModels.length);

    const fileId = await upload(p.headers);
    const input = {
      name: `same-${p.name}`,
      baseModelId: p.model,
      ...(await p.data(fileId)),
      hyperparameters: { nEpochs: 2, batchSize: p.batchSize },
    };
    const estimate = (await run(p.headers, dashboard('Estimate'), { input })).data?.costEstimate;
    expect(estimate.currency).toBe('USD');
    expect(estimate.tokens).toBeGreaterThan(0);
    expect(estimate.cost).toBeGreaterThan(0);

    const created = (await run(p.headers, dashboard('CreateJob'), { input })).data?.createJob;
    expect(created.name).toEqual(expect.any(String));
    const done = await eventually(
      async () => {
        const job = (await run(p.headers, JOB_DETAIL, { id: created.id })).data?.job;
        return job?.status === 'COMPLETED' ? job : undefined;
      },
      20_000,
      `the ${p.name} job to complete`,
    );
    expect(done.baseModelId).toBe(p.model);
    expect(done.hyperparameters).toMatchObject({ nEpochs: 2, batchSize: p.batchSize });
    expect(done.metrics.points.length).toBeGreaterThan(1);
    for (const point of done.metrics.points) expect(point.trainingLoss).toEqual(expect.any(Number));
    expect(done.downloadUrl).toMatch(/^https?:\/\//);

    const listed = (await run(p.headers, graphiql('Jobs'))).data?.jobs.edges.map((e: any) => e.node);
    expect(listed).toContainEqual(expect.objectContaining({ id: created.id, status: 'COMPLETED' }));
  });
});
