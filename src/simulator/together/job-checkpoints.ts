/**
 * A job's checkpoints at a moment: the intermediate ones whose step has been trained, and the final
 * one once the job completed (the best step when early stopping halted it). LoRA jobs save adapters,
 * Full jobs whole models.
 */
import type { FineTuningListCheckpointsResponse } from 'together-ai/resources/fine-tuning';
import { formatTimestamp } from '../timestamps.js';
import { jobStateAt, timelineOf, type Timeline } from './job-lifecycle.js';
import type { StoredJob } from './store.js';
import { outputName } from './wire-job.js';

export interface Checkpoint {
  step: number;
  at: number;
  final: boolean;
}

/** When training reached `step`. */
export function stepTime(job: StoredJob, t: Timeline, step: number): number {
  return t.runningFrom + (step / job.plan.trainedSteps) * (t.runningUntil - t.runningFrom);
}

export function checkpointsAt(job: StoredJob, now: number): Checkpoint[] {
  const state = jobStateAt(job, now);
  const t = timelineOf(job);
  const saved = job.plan.checkpointSteps
    .filter((step) => step <= state.stepsDone)
    .map((step) => ({ step, at: stepTime(job, t, step), final: false }));
  if (state.status !== 'completed') return saved;
  const finalStep = job.plan.earlyStop?.bestStep ?? job.plan.trainedSteps;
  return [...saved, { step: finalStep, at: t.runningUntil, final: true }];
}

export function wireCheckpoints(job: StoredJob, now: number) {
  const artifact = job.settings.lora === null ? 'model' : 'adapter';
  const body = {
    data: checkpointsAt(job, now)
      .reverse()
      .map(
        (c) =>
          ({
            checkpoint_type: c.final ? `Final (step ${c.step})` : `Intermediate (step ${c.step})`,
            created_at: formatTimestamp(c.at),
            path: `s3://together-simulator/${outputName(job)}/checkpoints/step-${c.step}`,
            step: c.step,
            checkpoint: artifact,
          }) satisfies FineTuningListCheckpointsResponse.Data,
      ),
  } satisfies FineTuningListCheckpointsResponse;
  return body;
}
