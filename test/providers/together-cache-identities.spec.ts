/**
 * On Together, what a normalized client cache needs to keep a job's objects apart and together: its
 * `Metrics` has the id `<job id>:metrics` (`together:ft-…:metrics`, never an Nscale job's), and each
 * `JobCheckpoint` the id `<job id>:<step>` (the form `fromCheckpoint` takes), or `<job id>:final` for the
 * final one, unique among the job's checkpoints and the same on every read. On a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const fixture = useTogetherClockStack({ token: 'tg-cache-identities-key', jobSeconds: 100 });

const READ = `query($id: ID!) { job(id: $id) {
  id status metrics { id latest { step } } checkpoints { id step final }
} }`;

describe('ids for a normalized cache on Together', () => {
  it("gives a job's metrics and checkpoints ids of their own, stable across reads", async () => {
    const { stack, clock, headers } = fixture;
    const job = await createTogetherJob(stack.gateway, headers, 'identities', {
      nEpochs: 2,
      batchSize: 8,
      nCheckpoints: 3,
    });
    expect(job.id).toMatch(/^together:ft-/);
    clock.at(job, 1.5);
    const first = await fixture.onTogether(READ, { id: job.id });
    expect(first.body.errors).toBeUndefined();
    const read = first.body.data?.job;
    expect(read.status).toBe('COMPLETED');
    expect(read.metrics.id).toBe(`${job.id}:metrics`);

    const checkpoints = read.checkpoints as Array<{ id: string; step: number; final: boolean }>;
    expect(checkpoints.filter((c) => c.final)).toHaveLength(1);
    expect(checkpoints.length).toBeGreaterThan(1);
    for (const checkpoint of checkpoints)
      expect(checkpoint.id).toBe(`${job.id}:${checkpoint.final ? 'final' : checkpoint.step}`);
    expect(new Set(checkpoints.map((c) => c.id)).size).toBe(checkpoints.length);

    // An intermediate checkpoint's id is what `fromCheckpoint` takes: it continues from that checkpoint.
    const intermediate = checkpoints.find((c) => !c.final)!;
    const continued = await fixture.onTogether('mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
      i: {
        name: 'continued',
        baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
        files: { trainingFileId: await uploadedFileOf(job.id) },
        fromCheckpoint: intermediate.id,
      },
    });
    expect(continued.body.errors).toBeUndefined();

    const again = await fixture.onTogether(READ, { id: job.id });
    expect(again.body.data?.job.metrics.id).toBe(read.metrics.id);
    expect(again.body.data?.job.checkpoints.map((c: { id: string }) => c.id)).toEqual(checkpoints.map((c) => c.id));
  });
});

async function uploadedFileOf(jobId: string): Promise<string> {
  const answer = await fixture.onTogether('query($id: ID!) { job(id: $id) { trainingFileId } }', { id: jobId });
  return answer.body.data?.job.trainingFileId as string;
}
