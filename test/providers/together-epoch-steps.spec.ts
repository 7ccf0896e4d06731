/**
 * What broke (trial 2, finding 6): the Together simulator's step count and its epoch events disagreed.
 * A 3-epoch job on 47 rows at batch size 32 reported `trainingSteps: 10` and trained to step 10, while
 * its events said the epochs ended at steps 3, 6 and 9: the schedule was rows / batch size per epoch
 * raised to ten steps in all, and the epochs were placed at the rounded share of those ten. Now an epoch
 * takes a whole number of steps (rows / batch size, rounded up, raised so that the training takes at
 * least ten steps in all), the training takes the epochs times that, and the last epoch ends at the last
 * step: what a user reads of the job (`metrics`, `events`) agrees.
 */
import { describe, expect, it } from 'vitest';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { gatewayGql, gatewayUpload, uploadedId } from '../harness/together-job.js';

const tg = useTogetherClockStack({ token: 'tg-epoch-steps', jobSeconds: 100 });
const MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';

const rows = (n: number) =>
  ['prompt,answer', ...Array.from({ length: n }, (_, i) => `"What is ${i} plus one?","It is ${i + 1}."`)].join('\n');

/** A job on `n` rows, trained to completion; what `job(id)` then says of its steps and epochs. */
async function completedJob(n: number, nEpochs: number, batchSize: number) {
  const file = new File([rows(n)], `rows-${n}.csv`, { type: 'text/csv' });
  const fileId = uploadedId(await gatewayUpload(tg.stack.gateway, file, { headers: tg.headers }));
  const created = await gatewayGql(
    tg.stack.gateway,
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }',
    {
      i: {
        name: `epochs-${nEpochs}`,
        baseModelId: MODEL,
        files: { trainingFileId: fileId },
        hyperparameters: { nEpochs, batchSize },
      },
    },
    tg.headers,
  );
  expect(created.errors).toBeUndefined();
  const job = created.data!.createJob as { id: string; createdAt: string };
  tg.clock.at({ createdAt: new Date(job.createdAt) }, 1.5);
  const answer = await gatewayGql(
    tg.stack.gateway,
    'query($id: ID!) { job(id: $id) { status metrics { trainingSteps points { step } } events { type step message } } }',
    { id: job.id },
    tg.headers,
  );
  expect(answer.errors).toBeUndefined();
  const read = answer.data!.job as {
    status: string;
    metrics: { trainingSteps: number; points: Array<{ step: number }> };
    events: Array<{ type: string; step: number | null; message: string }>;
  };
  expect(read.status).toBe('COMPLETED');
  return {
    trainingSteps: read.metrics.trainingSteps,
    lastStep: read.metrics.points.at(-1)?.step,
    epochs: read.events.filter((e) => e.type === 'epoch_complete').map((e) => ({ step: e.step, message: e.message })),
  };
}

const epochsAt = (steps: number[]) =>
  steps.map((step, i) => ({ step, message: `Epoch ${i + 1} completed at step ${step}` }));

describe('a Together job’s steps and its epoch events', () => {
  it.each([
    // The trial's job: 2 steps an epoch (47 / 32), raised to 4 so that the 3 epochs take at least 10 steps.
    ['3 epochs of 47 rows at batch 32', 47, 3, 32, epochsAt([4, 8, 12])],
    ['2 epochs of 47 rows at batch 32', 47, 2, 32, epochsAt([5, 10])],
    ['1 epoch of 47 rows at batch 32', 47, 1, 32, epochsAt([10])],
    // Past the minimum: rows / batch size, rounded up, each epoch.
    ['4 epochs of 47 rows at batch 8', 47, 4, 8, epochsAt([6, 12, 18, 24])],
  ])(
    '%s: each epoch ends at its own step, the last at the last step trained',
    async (_name, n, nEpochs, batch, epochs) => {
      const job = await completedJob(n, nEpochs, batch);
      expect(job.epochs).toEqual(epochs);
      expect(job.trainingSteps).toBe(epochs.at(-1)!.step);
      expect(job.lastStep).toBe(job.trainingSteps);
    },
  );
});
