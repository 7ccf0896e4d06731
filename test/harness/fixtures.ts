/** Small CSV datasets and the GraphQL calls that turn them into datasets, through the simulator. */
import type { Job } from '../../src/upstream/schemas.js';
import type { Credentials, UpstreamClient } from '../../src/upstream/types.js';
import { Readable } from 'node:stream';

export const QA_CSV = [
  'question,answer',
  '"What is LoRA?","Low-rank adaptation: small trainable matrices beside frozen weights."',
  '"Why fine-tune?","To adapt a general model to one task, with your own examples."',
  '"What is an epoch?","One complete pass through the training data."',
  '"What is a batch?","The examples processed together in one training step, say 8 of them."',
  '"What does warmup do?","It raises the learning rate slowly during the first steps."',
].join('\n');

/** Uploads `csv` through the client (not the gateway) and makes a dataset of it: setup for job tests. */
export async function seedDataset(
  stack: { client: UpstreamClient },
  creds: Credentials,
  name = 'qa',
  csv = QA_CSV,
): Promise<{ datasetId: string; fileId: string }> {
  const file = await stack.client.uploadFile(creds, {
    filename: `${name}.csv`,
    body: Readable.from([csv]),
    contentType: 'text/csv',
  });
  const dataset = await stack.client.createDataset(creds, { name, trainingFileId: file.id });
  return { datasetId: dataset.id, fileId: file.id };
}

export const LLAMA_INSTRUCT = 'e5f6a7b8-c9d0-1234-efab-567890123456';

/**
 * Creates a job on `datasetId` through the client (LLAMA_INSTRUCT, the answers column) and moves the
 * simulator's manual clock to `fraction` of its run (manual-clock.ts: 0.05 queued, 0.5 running).
 */
export async function jobHeldAt(
  stack: { client: UpstreamClient },
  creds: Credentials,
  datasetId: string,
  clock: { at(job: { createdAt: Date }, fraction: number): void },
  name: string,
  fraction: number,
): Promise<Job> {
  const job = await stack.client.createJob(creds, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });
  clock.at(job, fraction);
  return job;
}
export const QWEN_SMALL = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
