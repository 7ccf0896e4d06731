/**
 * The metrics of a job at a moment, derived like its state: steps are spread evenly over the running
 * phase, and the loss curve is a fixed function of the job id (a decaying exponential plus a little
 * noise), so two reads at the same time return the same points. At most about a hundred points are
 * reported (every `stride` steps), plus every evaluation step; losses are strings, as on the wire.
 */
import { unitHash } from './ids.js';
import type { JobState } from './job-lifecycle.js';
import type { StoredJob } from './store.js';
import { formatTimestamp } from './timestamps.js';

export interface WireMetricPoint {
  step: number;
  timestamp: string;
  training_loss: string;
  validation_loss?: string;
  perplexity?: string;
}

export interface WireMetrics {
  data: WireMetricPoint[] | null;
  training_steps: number;
  training_tokens: number;
  validation_steps: number;
}

const MAX_POINTS = 100;

function lossCurve(jobId: string, steps: number): (step: number) => number {
  const start = 1.8 + 0.8 * unitHash(jobId, 'loss-start');
  const floor = 0.35 + 0.4 * unitHash(jobId, 'loss-floor');
  const rate = 3 + 2 * unitHash(jobId, 'loss-rate');
  return (step) => floor + (start - floor) * Math.exp((-rate * step) / steps);
}

export function metricsAt(job: StoredJob, state: JobState): WireMetrics {
  const { trainingSteps: steps, evalSteps, trainingTokens } = job.plan;
  const summary = {
    training_steps: steps,
    training_tokens: trainingTokens * job.hyperparameters.n_epochs,
    validation_steps: evalSteps.length,
  };
  const done = state.progress >= 1 ? steps : Math.floor(state.progress * steps);
  if (done === 0) return { data: null, ...summary };

  const stride = Math.max(1, Math.ceil(steps / MAX_POINTS));
  const evals = new Set(evalSteps);
  const curve = lossCurve(job.id, steps);
  const stepTime = (step: number): number =>
    state.runningFrom + (step / steps) * (state.runningUntil - state.runningFrom);
  const jitter = (step: number, salt: string): number => 1 + (unitHash(job.id, `${salt}${step}`) - 0.5) * 0.06;
  const valGap = 1.04 + 0.06 * unitHash(job.id, 'val-gap');

  const data: WireMetricPoint[] = [];
  for (let step = 1; step <= done; step++) {
    const isEval = evals.has(step);
    if (step % stride !== 0 && step !== steps && !isEval) continue;
    const point: WireMetricPoint = {
      step,
      timestamp: formatTimestamp(stepTime(step)),
      training_loss: (curve(step) * jitter(step, 't')).toFixed(4),
    };
    if (isEval) {
      const validation = curve(step) * valGap * jitter(step, 'v');
      point.validation_loss = validation.toFixed(4);
      point.perplexity = Math.exp(validation).toFixed(4);
    }
    data.push(point);
  }
  return { data, ...summary };
}
