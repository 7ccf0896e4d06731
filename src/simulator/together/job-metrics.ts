/**
 * Per-step training metrics (`GET /fine-tunes/{id}/metrics`): one record per trained step with
 * `global_step`, `epoch`, `train_loss`, `learning_rate` and `logged_at` (Unix seconds: every value of
 * a record is a number in the SDK's type), plus `eval_loss` on evaluation steps. Filters: steps
 * `global_step_from..to`, times `logged_at_from..to` (ISO-8601), then `resolution`: at most that many
 * records, sampled uniformly, first and last kept.
 */
import type { FineTuningListMetricsResponse } from 'together-ai/resources/fine-tuning';
import { stepTime } from './job-checkpoints.js';
import { jobStateAt, timelineOf } from './job-lifecycle.js';
import { evalLoss, trainLoss } from './loss-curve.js';
import type { StoredJob } from './store.js';

export interface MetricsFilter {
  globalStepFrom?: number | undefined;
  globalStepTo?: number | undefined;
  loggedAtFrom?: number | undefined;
  loggedAtTo?: number | undefined;
  resolution?: number | undefined;
}

type MetricRecord = Record<string, number>;

/** The learning rate at a step: linear warm-up, then linear or cosine decay to `min_lr_ratio` of the peak. */
function learningRate(job: StoredJob, step: number): number {
  const { body } = job.settings;
  const steps = job.plan.steps;
  const warmup = Math.round(body.warmup_ratio * steps);
  if (step <= warmup) return (body.learning_rate * step) / Math.max(1, warmup);
  const minRatio = body.lr_scheduler?.lr_scheduler_args?.min_lr_ratio ?? 0;
  const done = (step - warmup) / Math.max(1, steps - warmup);
  const cycles = body.lr_scheduler?.lr_scheduler_args?.num_cycles ?? 0.5;
  const decay =
    body.lr_scheduler?.lr_scheduler_type === 'cosine' ? 0.5 * (1 + Math.cos(2 * Math.PI * cycles * done)) : 1 - done;
  return body.learning_rate * (minRatio + (1 - minRatio) * decay);
}

function records(job: StoredJob, now: number): MetricRecord[] {
  const state = jobStateAt(job, now);
  const t = timelineOf(job);
  const evals = new Set(job.plan.evalSteps);
  const out: MetricRecord[] = [];
  for (let step = 1; step <= state.stepsDone; step++) {
    const record: MetricRecord = {
      global_step: step,
      epoch: Math.round((step / job.plan.stepsPerEpoch) * 1000) / 1000,
      train_loss: trainLoss(job.id, step, job.plan.steps),
      learning_rate: Number(learningRate(job, step).toPrecision(6)),
      logged_at: Math.round(stepTime(job, t, step)) / 1000,
    };
    if (evals.has(step)) record['eval_loss'] = evalLoss(job.id, step, job.plan.steps);
    out.push(record);
  }
  return out;
}

function sampleUniformly<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  if (count <= 1) return items.slice(-1);
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!);
}

export function wireMetrics(job: StoredJob, now: number, filter: MetricsFilter) {
  const inRange = (value: number, from: number | undefined, to: number | undefined): boolean =>
    (from === undefined || value >= from) && (to === undefined || value <= to);
  const kept = records(job, now).filter(
    (r) =>
      inRange(r['global_step']!, filter.globalStepFrom, filter.globalStepTo) &&
      inRange(r['logged_at']! * 1000, filter.loggedAtFrom, filter.loggedAtTo),
  );
  const body = {
    metrics: filter.resolution === undefined ? kept : sampleUniformly(kept, filter.resolution),
  } satisfies FineTuningListMetricsResponse;
  return body;
}
