/**
 * A Together job that stops early, packaging its output (trial: a job early-stopped at step 4 of 10
 * read RUNNING `compressing` with `progress` 0.4 and `estimatedSecondsLeft` 40, then `uploading` 34:
 * a countdown for a training already over). While Together compresses or uploads the output the
 * training is done, however many of its planned steps it took: `progress` 1, `estimatedSecondsLeft` 0,
 * without asking the metrics. On a manual clock, JOB_SECONDS 100.
 */
import { describe, expect, it } from 'vitest';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { gatewayUpload, uploadedId } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const tg = useTogetherClockStack({ token: 'tg-early-stop', jobSeconds: JOB_SECONDS });
const { clock, onTogether } = tg;

const rows = (count: number, seed: string) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ prompt: `${seed} question ${i}?`, completion: `${seed} answer ${i}.` }),
  ).join('\n');

const upload = async (name: string, body: string): Promise<string> =>
  uploadedId(
    await gatewayUpload(tg.stack.gateway, new File([body], name, { type: 'application/jsonl' }), {
      headers: tg.headers,
    }),
  );

/** Named for its instant: the response cache (on by default) keeps each document's answer apart. */
const jobAt = (instant: number) => `query At${instant}($id: ID!) { job(id: $id) { status providerStatus progress
  estimatedSecondsLeft metrics { trainingSteps latest { step } } } }`;

describe('a Together job that stopped early', () => {
  it('reads progress 1 and no time left while compressing and uploading, asking no metrics for them', async () => {
    const files = { trainingFileId: await upload('train.jsonl', rows(40, 't')), validationFileId: '' };
    files.validationFileId = await upload('valid.jsonl', rows(10, 'v'));
    const created = await onTogether('mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }', {
      i: {
        name: 'stops-early',
        baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
        files,
        hyperparameters: {
          nEpochs: 1,
          batchSize: 8,
          nEvals: 5,
          earlyStopping: { patience: 1, warmupEvals: 0, minDelta: 0.5 },
        },
      },
    });
    expect(created.body.errors).toBeUndefined();
    const job = {
      id: created.body.data!.createJob.id as string,
      createdAt: new Date(created.body.data!.createJob.createdAt),
    };

    // Walk the job's life until Together packages its output.
    const seen: Array<Record<string, any>> = [];
    for (let percent = 20; percent <= 105; percent++) {
      clock.at(job, percent / 100);
      const read = await onTogether(jobAt(percent), { id: job.id });
      expect(read.body.errors).toBeUndefined();
      const now = read.body.data!.job;
      if (now.providerStatus === 'compressing' || now.providerStatus === 'uploading') {
        seen.push(now);
        // Without the metrics selected, none is asked for: the provider's word says the training is over.
        const bare = await onTogether(
          `query Bare${percent}($id: ID!) { job(id: $id) { providerStatus progress estimatedSecondsLeft } }`,
          { id: job.id },
        );
        expect(bare.body.data!.job).toEqual({
          providerStatus: now.providerStatus,
          progress: 1,
          estimatedSecondsLeft: 0,
        });
        expect(bare.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
      }
      if (now.status === 'COMPLETED') break;
    }
    expect(seen.map((s) => s.providerStatus)).toEqual(expect.arrayContaining(['compressing', 'uploading']));
    for (const packaging of seen) {
      // It stopped short of its planned steps: the metrics say so, and the training is still over.
      expect(packaging.metrics.latest.step).toBeLessThan(packaging.metrics.trainingSteps);
      expect(packaging).toMatchObject({ status: 'RUNNING', progress: 1, estimatedSecondsLeft: 0 });
    }
  });
});
