/**
 * The simulated loss of a job at a step: a decaying exponential plus a little noise, all fixed by
 * the job id, so every read (metrics, events, early stopping) agrees with every other.
 */
import { unitHash } from '../ids.js';

function curve(jobId: string, steps: number): (step: number) => number {
  const start = 1.8 + 0.8 * unitHash(jobId, 'loss-start');
  const floor = 0.35 + 0.4 * unitHash(jobId, 'loss-floor');
  const rate = 3 + 2 * unitHash(jobId, 'loss-rate');
  return (step) => floor + (start - floor) * Math.exp((-rate * step) / steps);
}

const jitter = (jobId: string, step: number, salt: string): number =>
  1 + (unitHash(jobId, `${salt}${step}`) - 0.5) * 0.06;

export function trainLoss(jobId: string, step: number, steps: number): number {
  return round(curve(jobId, steps)(step) * jitter(jobId, step, 't'));
}

export function evalLoss(jobId: string, step: number, steps: number): number {
  const gap = 1.04 + 0.06 * unitHash(jobId, 'val-gap');
  return round(curve(jobId, steps)(step) * gap * jitter(jobId, step, 'v'));
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;
