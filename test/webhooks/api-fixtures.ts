/**
 * What the webhook API specs arrange: jobs on either provider through the gateway, and what the
 * watcher would record of a job (a `SeenJob` whose bodies are the lead's payload for the job as the
 * upstream shows it), so that deliveries exist without waiting for a poll.
 */
import type { ProviderName } from '../../src/providers/provider-name.js';
import type { JobShape } from '../../src/providers/job-shape.js';
import { eventsOfMove } from '../../src/webhooks/events.js';
import { webhookBody } from '../../src/webhooks/payload.js';
import type { SeenJob } from '../../src/webhooks/webhook-store.js';
import type { JobStatus } from '../../src/upstream/schemas.js';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';
import type { WebhookStack } from './api-stack.js';

/** A job of demo-org, created through the gateway; its id as the API shows it. */
export async function nscaleJob(stack: WebhookStack, name: string): Promise<string> {
  const { datasetId } = await seedDataset(stack, DEMO, name);
  const input = {
    name,
    baseModelId: QWEN_SMALL,
    dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
    hyperparameters: { nEpochs: 1, nEvals: 0, batchSize: 4 },
  };
  const created = await stack.as({ authorization: 'Bearer demo-token', 'x-organization-id': 'demo-org' })(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: input },
  );
  if (created.errors) throw new Error(created.text);
  return created.data?.createJob.id as string;
}

/** A job of Together's demo key, created through the gateway (upload, then createJob); its public id. */
export async function togetherJob(stack: WebhookStack, headers: Record<string, string>, name: string) {
  return (await createTogetherJob(stack.gateway, headers, name, { nEpochs: 1, batchSize: 8 })).id;
}

/** A job as a poll would see it, with the payload bodies the watcher gives the store. */
export function seenJob(provider: ProviderName, job: JobShape, status: JobStatus = job.status): SeenJob {
  const at = new Date();
  return {
    jobId: job.id,
    status,
    bodies: (previous) =>
      eventsOfMove(previous, status).map((type) => ({
        type,
        body: webhookBody(type, provider, { ...job, status }, previous, at),
      })),
  };
}

/** Nscale's job `id` as the upstream shows it now. */
export const nscaleShape = (stack: WebhookStack, id: string): Promise<JobShape> => stack.client.getJob(DEMO, id);

/** A job's move as a poll would see it, when what its bodies say does not matter to the spec. */
export function seenStatus(jobId: string, status: JobStatus): SeenJob {
  return {
    jobId,
    status,
    bodies: (previous) =>
      eventsOfMove(previous, status).map((type) => ({ type, body: JSON.stringify({ type, jobId }) })),
  };
}
