/**
 * `from_checkpoint`: `{JOB_ID}`, `{OUTPUT_MODEL_NAME}`, or either followed by `:{STEP}` (documented).
 * It names a completed job of the same account and base model; a step must be one of its
 * checkpoints. Without a step, the final checkpoint is meant.
 */
import { invalidRequest } from './errors.js';
import { checkpointsAt } from './job-checkpoints.js';
import { jobStateAt } from './job-lifecycle.js';
import type { FineTuneModel } from './models.js';
import type { AccountState, StoredJob } from './store.js';
import { outputName } from './wire-job.js';

function findJob(account: AccountState, ref: string): StoredJob | undefined {
  return account.jobs.get(ref) ?? [...account.jobs.values()].find((job) => outputName(job) === ref);
}

export function checkContinuation(account: AccountState, value: string, model: FineTuneModel, now: number): string {
  const match = /^(.+?)(?::(\d+))?$/.exec(value);
  const ref = match?.[1] ?? value;
  const job = findJob(account, ref);
  if (job === undefined)
    throw invalidRequest(
      `from_checkpoint: no fine-tune job or output model ${JSON.stringify(ref)} exists.`,
      'from_checkpoint',
    );
  if (jobStateAt(job, now).status !== 'completed')
    throw invalidRequest(`from_checkpoint: fine-tune ${job.id} has not completed.`, 'from_checkpoint');
  if (job.settings.model.name !== model.name) {
    throw invalidRequest(
      `from_checkpoint: fine-tune ${job.id} trained ${job.settings.model.name}, not ${model.name}.`,
      'from_checkpoint',
    );
  }
  const step = match?.[2] === undefined ? undefined : Number(match[2]);
  if (step !== undefined && !checkpointsAt(job, now).some((c) => c.step === step)) {
    throw invalidRequest(`from_checkpoint: fine-tune ${job.id} has no checkpoint at step ${step}.`, 'from_checkpoint');
  }
  return value;
}
