/**
 * A Hugging Face export chosen at creation (issue 19): on Together, `createJob`'s `huggingFaceExport`
 * reaches the simulator as `hf_output_repo_name` and `hf_api_token`, checked first like
 * `exportJobToHuggingFace`'s repository and token, and the token never comes back; on Nscale it is
 * refused naming the provider (a completed job is exported there instead), before any upstream call.
 */
import { describe, expect, it } from 'vitest';
import { DEMO, headersFor } from '../harness/stack.js';
import {
  gatewayGql,
  TOGETHER_HEADERS as TOGETHER,
  TOGETHER_MODEL as MODEL,
  uploadedId,
  uploadQaCsv,
} from '../harness/together-job.js';
import { useTogetherPostedJobsStack } from '../harness/together-posted-jobs.js';

/** The stack, and the JSON bodies of the job creations the Together simulator received in this test. */
const tg = useTogetherPostedJobsStack();
const { created } = tg;

const TOKEN = `hf_${'a1B2c3D4e5'.repeat(4)}`;
const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id provider status } }';

const gql = (query: string, headers: Record<string, string>, variables?: object) =>
  gatewayGql(tg.stack.gateway, query, variables, headers);
const uploadedFile = async () => uploadedId(await uploadQaCsv(tg.stack.gateway));

const job = (file: string, huggingFaceExport: object) => ({
  name: 'qa-to-hub',
  baseModelId: MODEL,
  files: { trainingFileId: file },
  hyperparameters: { batchSize: 8 },
  huggingFaceExport,
});

describe('a Hugging Face export chosen at creation', () => {
  it('reaches Together with the job, its token sent upstream and never shown', async () => {
    const file = await uploadedFile();
    const res = await gql(CREATE, TOGETHER, {
      i: job(file, { repositoryId: 'someone/qa-adapter', accessToken: TOKEN }),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.createJob).toMatchObject({ provider: 'TOGETHER' });
    expect(tg.stack.togetherSimulator!.stats()['POST /fine-tunes']).toBe(1);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ hf_output_repo_name: 'someone/qa-adapter', hf_api_token: TOKEN });
    expect(JSON.stringify(res)).not.toContain(TOKEN);
  });

  it('leaves both parameters out when no export is asked for', async () => {
    const file = await uploadedFile();
    const { huggingFaceExport: _, ...plain } = job(file, {});
    expect((await gql(CREATE, TOGETHER, { i: plain })).errors).toBeUndefined();
    expect(created).toHaveLength(1);
    expect(Object.keys(created[0]!)).not.toContain('hf_output_repo_name');
    expect(Object.keys(created[0]!)).not.toContain('hf_api_token');
  });

  it('checks the repository and the token first, every problem at once, without repeating the token', async () => {
    const file = await uploadedFile();
    tg.stack.togetherSimulator!.resetStats();
    const badToken = 'hf_short-and-secret';
    const res = await gql(CREATE, TOGETHER, { i: job(file, { repositoryId: 'no-slash', accessToken: badToken }) });
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'huggingFaceExport.accessToken'],
      ['BAD_USER_INPUT', 'huggingFaceExport.repositoryId'],
    ]);
    expect(res.errors?.[1]?.message).toMatch(/^huggingFaceExport\.repositoryId: "no-slash" is not a repository id/);
    expect(JSON.stringify(res)).not.toContain(badToken);
    expect(tg.stack.togetherSimulator!.stats()['POST /fine-tunes']).toBeUndefined();
    expect(created).toHaveLength(0);
  });

  it('is refused on Nscale naming the provider and what to do instead, calling neither provider', async () => {
    const res = await gql(CREATE, headersFor(DEMO), {
      i: {
        name: 'x',
        baseModelId: 'm',
        dataset: { id: 'd', answerColumn: 'a' },
        huggingFaceExport: { repositoryId: 'someone/repo', accessToken: TOKEN },
      },
    });
    const refusal = res.errors?.find((e) => e.extensions?.field === 'huggingFaceExport');
    expect(refusal?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refusal?.message).toMatch(/not available on provider nscale.*exportJobToHuggingFace/);
    expect(JSON.stringify(res)).not.toContain(TOKEN);
    expect(tg.stack.simulator.stats()['POST /jobs']).toBeUndefined();
    expect(Object.values(tg.stack.togetherSimulator!.stats()).every((n) => n === 0)).toBe(true);
  });
});

describe('exportJobToHuggingFace on Together', () => {
  const EXPORT = 'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }';
  const refusal = {
    message: expect.stringMatching(
      /^exportJobToHuggingFace is not available on provider together: Together exports .*createJob’s huggingFaceExport\./,
    ),
    extensions: { code: 'BAD_USER_INPUT', provider: 'together' },
  };

  it('is refused for the provider before its input is checked: one refusal, no field errors', async () => {
    const badToken = 'hf_short-and-secret';
    const res = await gql(EXPORT, TOGETHER, {
      i: { jobId: 'x'.repeat(300), userId: 'someone', accessToken: badToken, repositoryId: 'no-slash' },
    });
    expect(res.errors).toEqual([expect.objectContaining({ ...refusal, path: ['exportJobToHuggingFace'] })]);
    expect(JSON.stringify(res)).not.toContain(badToken);
    expect(Object.values(tg.stack.togetherSimulator!.stats()).every((n) => n === 0)).toBe(true);
    expect(Object.values(tg.stack.simulator.stats()).every((n) => n === 0)).toBe(true);
  });

  it('is refused the same way when the input is valid', async () => {
    const res = await gql(EXPORT, TOGETHER, {
      i: { jobId: 'together:ft-1', userId: 'someone', accessToken: TOKEN, repositoryId: 'someone/repo' },
    });
    expect(res.errors).toEqual([expect.objectContaining(refusal)]);
  });

  it('still checks the input first on Nscale, every problem with its field', async () => {
    const res = await gql(EXPORT, headersFor(DEMO), {
      i: { jobId: 'j', userId: 'someone', accessToken: 'hf_short', repositoryId: 'no-slash' },
    });
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'accessToken'],
      ['BAD_USER_INPUT', 'repositoryId'],
    ]);
    expect(Object.values(tg.stack.simulator.stats()).every((n) => n === 0)).toBe(true);
  });
});
