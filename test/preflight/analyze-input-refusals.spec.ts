/**
 * analyzeDataset refuses what costEstimate and createJob refuse on the same provider, before any file
 * is read or anything reaches the upstream (a trial): on Nscale it priced Together's settings
 * (`nCheckpoints`, `dpo`, `earlyStopping`), which createJob there refuses; on Together it priced DPO on
 * a CSV file, which uploads as instruction rows that DPO refuses; and its refusals named createJob's
 * field for a validation file (`files.validationFileId`), not its own (`validationFile`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import {
  gatewayGql,
  gatewayMultipart,
  gatewayUpload,
  TOGETHER_HEADERS,
  TOGETHER_MODEL,
  uploadedId,
  uploadQaCsv,
} from '../harness/together-job.js';

const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
const NSCALE = headersFor(DEMO);
const CSV = 'question,answer\nq1,a1\nq2,a2\nq3,a3\n';
const TOGETHER_ONLY = { nCheckpoints: 3, dpo: { beta: 0.1 }, earlyStopping: { patience: 2 } };

let stack: Stack;
let pool: TokenPool;
/** Files the analysis was given to read (none when the input is refused first). */
let filesAnalysed = 0;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  const counting: TokenPool = {
    analyze: (...args) => {
      filesAnalysed++;
      return pool.analyze(...args);
    },
    admit: (...args) => pool.admit(...args),
    maxThreads: pool.maxThreads,
    threads: () => pool.threads(),
    pending: () => pool.pending(),
    close: () => pool.close(),
  };
  stack = await startStack({ gateway: { tokenPool: counting } });
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});
beforeEach(() => {
  filesAnalysed = 0;
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
});

const ANALYZE = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
  split { trainingTokens } cost { tokens cost } upstreamEstimate { tokens }
} }`;

/** analyzeDataset as `headers` on CSV (and a validation file when `validation`), columns `question` and `answer`. */
async function analyze(
  headers: Record<string, string>,
  input: Record<string, unknown>,
  validation = false,
): Promise<GraphQLResponse> {
  const paths = ['variables.input.trainingFile', ...(validation ? ['variables.input.validationFile'] : [])];
  const variables = {
    input: {
      trainingFile: null,
      ...(validation ? { validationFile: null } : {}),
      promptColumn: 'question',
      answerColumn: 'answer',
      ...input,
    },
  };
  const files = Object.fromEntries(paths.map((path, i) => [path, new File([CSV], `file-${i}.csv`)]));
  return gatewayMultipart(stack.gateway, ANALYZE, variables, files, headers);
}

const refusals = (res: GraphQLResponse) =>
  res.errors?.map((e) => ({ field: e.extensions?.field, code: e.extensions?.code, message: e.message }));

/** Nscale's dataset of CSV, for `compareWithDatasetId` and costEstimate. */
async function nscaleDataset(): Promise<string> {
  const uploaded = await gatewayUpload(stack.gateway, new File([CSV], 'qa.csv'), { headers: NSCALE });
  expect(uploaded.errors).toBeUndefined();
  const dataset = await stack.gql<any>(
    'mutation($f: ID!) { createDataset(input: { name: "refusals", trainingFileId: $f }) { id } }',
    { f: uploaded.data!.uploadFile.id },
  );
  return dataset.data.createDataset.id as string;
}

describe('analyzeDataset on Nscale refuses Together’s settings as costEstimate does', () => {
  let datasetId: string;
  beforeAll(async () => {
    datasetId = await nscaleDataset();
  });

  it('the three at once: the same refusals as costEstimate, nothing read, priced or sent upstream', async () => {
    const estimate = await gatewayGql(
      stack.gateway,
      'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }',
      {
        i: {
          name: 'refusals',
          baseModelId: MISTRAL,
          dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
          hyperparameters: TOGETHER_ONLY,
        },
      },
      NSCALE,
    );
    expect(refusals(estimate)?.map((r) => r.field)).toEqual([
      'hyperparameters.nCheckpoints',
      'hyperparameters.earlyStopping',
      'hyperparameters.dpo',
    ]);
    stack.simulator.resetStats();

    const res = await analyze(NSCALE, {
      baseModelId: MISTRAL,
      compareWithDatasetId: datasetId,
      hyperparameters: TOGETHER_ONLY,
    });
    expect(res.status).toBeLessThan(500);
    expect(res.data).toBeNull();
    expect(refusals(res)).toEqual(refusals(estimate));
    expect(res.errors?.[0]?.message).toMatch(/^hyperparameters\.nCheckpoints: not available on provider nscale/);
    expect(filesAnalysed).toBe(0);
    expect(stack.calls()['POST /jobs']).toBeUndefined(); // no dry run asked
  });

  it.each([
    ['nCheckpoints', { nCheckpoints: 3 }, 'hyperparameters.nCheckpoints'],
    ['dpo', { dpo: { beta: 0.1 } }, 'hyperparameters.dpo'],
    ['earlyStopping', { earlyStopping: { patience: 2 } }, 'hyperparameters.earlyStopping'],
  ])('%s alone: BAD_USER_INPUT naming it, the file not read', async (_name, hyperparameters, field) => {
    const res = await analyze(NSCALE, { baseModelId: MISTRAL, hyperparameters });
    expect(res.data).toBeNull();
    expect(refusals(res)).toEqual([
      {
        field,
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(new RegExp(`^${field}: not available on provider nscale: Together only`)),
      },
    ]);
    expect(filesAnalysed).toBe(0);
  });

  it('with the job’s own rules broken too, every problem at once', async () => {
    const res = await analyze(NSCALE, {
      baseModelId: MISTRAL,
      hyperparameters: { nCheckpoints: 3, lora: { enabled: false } },
    });
    expect(refusals(res)?.map((r) => r.field)).toEqual([
      'hyperparameters.nCheckpoints',
      'hyperparameters.lora.enabled',
    ]);
    expect(filesAnalysed).toBe(0);
  });
});

describe('analyzeDataset on Together refuses what createJob refuses there, naming its own fields', () => {
  /** Only the catalogue (models and their limits) may be read: no file route, no estimate, no job. */
  const upstreamBeyondCatalogue = () =>
    Object.keys(stack.togetherCalls()).filter((route) => !route.includes('/models'));

  it('DPO on a CSV file: refused on trainingFile in createJob’s words, nothing read, priced or sent', async () => {
    const res = await analyze(TOGETHER_HEADERS, {
      baseModelId: TOGETHER_MODEL,
      hyperparameters: { dpo: { beta: 0.1 } },
    });
    expect(res.data).toBeNull();
    const rule = 'DPO training needs preference rows (input, preferred_output, non_preferred_output)';
    expect(refusals(res)).toEqual([
      {
        field: 'trainingFile',
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/^trainingFile: DPO training needs preference rows .*instruction rows/),
      },
    ]);
    expect(res.errors?.[0]?.message).toContain(rule);
    expect(filesAnalysed).toBe(0);
    expect(upstreamBeyondCatalogue()).toEqual([]);

    // createJob on a CSV uploaded the way the pre-flight predicts: the same rule, on its own field.
    const file = uploadedId(await uploadQaCsv(stack.gateway));
    const created = await gatewayGql(stack.gateway, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
      i: {
        name: 'dpo-on-csv',
        baseModelId: TOGETHER_MODEL,
        files: { trainingFileId: file },
        hyperparameters: { dpo: { beta: 0.1 } },
      },
    });
    expect(created.errors?.[0]?.message).toContain(rule);
    expect(created.errors?.[0]?.message).toContain('instruction rows');
  });

  it('DPO with a validation file: both files named', async () => {
    const res = await analyze(
      TOGETHER_HEADERS,
      { baseModelId: TOGETHER_MODEL, hyperparameters: { nEvals: 1, dpo: { beta: 0.1 } } },
      true,
    );
    expect(refusals(res)?.map((r) => r.field)).toEqual(['trainingFile', 'validationFile']);
    expect(res.errors?.[1]?.message).toMatch(/^validationFile: DPO training needs preference rows/);
    expect(filesAnalysed).toBe(0);
  });

  it('evaluations without a validation file: the refusal names validationFile, analyzeDataset’s field', async () => {
    const res = await analyze(TOGETHER_HEADERS, { baseModelId: TOGETHER_MODEL, hyperparameters: { nEvals: 1 } });
    expect(refusals(res)).toEqual([
      {
        field: 'hyperparameters.nEvals',
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(
          /^hyperparameters\.nEvals: 1 evaluations need a validation file \(validationFile\)/,
        ),
      },
    ]);
    expect(res.errors?.[0]?.message).not.toContain('files.');
    expect(filesAnalysed).toBe(0);
    expect(upstreamBeyondCatalogue()).toEqual([]);
  });

  it('early stopping without a validation file: every refusal names analyzeDataset’s fields', async () => {
    const res = await analyze(TOGETHER_HEADERS, {
      baseModelId: TOGETHER_MODEL,
      hyperparameters: { nEvals: 4, earlyStopping: { patience: 2 } },
    });
    const refused = refusals(res) ?? [];
    expect(refused.map((r) => r.field)).toEqual(['hyperparameters.nEvals', 'hyperparameters.earlyStopping']);
    for (const { message } of refused) {
      expect(message).toContain('(validationFile)');
      expect(message).not.toContain('files.');
    }
    expect(filesAnalysed).toBe(0);
  });

  it('bestCheckpoints: refused as costEstimate refuses it on Together', async () => {
    const res = await analyze(TOGETHER_HEADERS, {
      baseModelId: TOGETHER_MODEL,
      hyperparameters: { bestCheckpoints: true },
    });
    const file = uploadedId(await uploadQaCsv(stack.gateway));
    const estimate = await gatewayGql(
      stack.gateway,
      'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }',
      {
        i: {
          name: 'best',
          baseModelId: TOGETHER_MODEL,
          files: { trainingFileId: file },
          hyperparameters: { bestCheckpoints: true },
        },
      },
    );
    expect(refusals(estimate)?.map((r) => r.field)).toEqual(['hyperparameters.bestCheckpoints']);
    expect(refusals(res)).toEqual(refusals(estimate));
    expect(filesAnalysed).toBe(0);
  });
});
