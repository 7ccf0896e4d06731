/**
 * What a fine-tune will do, fixed when it is created: its tokens (per pass, each row cut at
 * `max_seq_length`), steps (`n_epochs` × the steps of an epoch: rows / batch size, rounded up, raised
 * so that the training takes at least ten steps in all), the steps at which it evaluates and saves
 * checkpoints, where early stopping halts it, and its price. The estimate
 * endpoint prices the same way, so an estimate and a job's `total_price` agree.
 */
import type { Sample } from './samples.js';
import { evalLoss } from './loss-curve.js';
import type { JobSettings } from './job-settings.js';
import { computePrice, type Price } from './pricing.js';
import { loadSampleCounter, type SampleCounter } from './sample-tokens.js';

interface EarlyStop {
  /** The evaluation step at which training halted. */
  haltStep: number;
  bestStep: number;
  bestLoss: number;
}

export interface JobPlan {
  trainingRows: number;
  trainingTokens: number;
  validationTokens: number;
  /** Steps of the full schedule: `n_epochs` × `stepsPerEpoch`, so the last epoch ends at the last step. */
  steps: number;
  /** Steps actually trained: `steps`, or the halt step of early stopping. */
  trainedSteps: number;
  stepsPerEpoch: number;
  evalSteps: number[];
  /** Steps of the intermediate checkpoints, ascending, before the last trained step. */
  checkpointSteps: number[];
  earlyStop: EarlyStop | null;
  price: Price;
}

const MIN_STEPS = 10;

/**
 * The steps of one epoch: a batch a step (rows / batch size, rounded up), at least one, raised for
 * small files so that the whole training takes at least MIN_STEPS steps (a loss curve worth the name)
 * while each epoch still takes the same whole number of steps: a 47-row file at batch size 32 takes 2
 * steps an epoch, raised to 4 for 3 epochs (12 steps, epochs ending at steps 4, 8 and 12).
 */
function stepsPerEpochOf(rows: number, batchSize: number, epochs: number): number {
  return Math.max(1, Math.ceil(rows / batchSize), Math.ceil(MIN_STEPS / epochs));
}

export function fileTokens(samples: readonly Sample[], counter: SampleCounter, maxSeqLength: number): number {
  return samples.reduce((sum, sample) => sum + Math.min(maxSeqLength, counter(sample, maxSeqLength).total), 0);
}

/** `count` steps spread evenly over `1..last`, distinct and ascending. */
function spread(count: number, last: number): number[] {
  return [...new Set(Array.from({ length: count }, (_, i) => Math.max(1, Math.round(((i + 1) * last) / count))))];
}

function earlyStop(
  jobId: string,
  settings: JobSettings,
  evalSteps: readonly number[],
  steps: number,
): EarlyStop | null {
  const { body } = settings;
  if (!body.early_stopping_enabled) return null;
  const warmup = body.early_stopping_warmup_evals ?? 1;
  let best = Infinity;
  let bestStep = evalSteps[0] ?? steps;
  let stale = 0;
  for (const [index, step] of evalSteps.entries()) {
    const loss = evalLoss(jobId, step, steps);
    const improved = loss < best - body.early_stopping_min_delta;
    if (loss < best) [best, bestStep] = [loss, step];
    if (index < warmup) continue;
    stale = improved ? 0 : stale + 1;
    if (stale >= body.early_stopping_patience && step < steps) return { haltStep: step, bestStep, bestLoss: best };
  }
  return null;
}

export async function planJob(jobId: string, settings: JobSettings): Promise<JobPlan> {
  const { body, trainingFile, validationFile } = settings;
  const counter = await loadSampleCounter(settings.model);
  const train = trainingFile.check?.ok === true ? trainingFile.check.samples : [];
  const validation = validationFile?.check?.ok === true ? validationFile.check.samples : [];
  const stepsPerEpoch = stepsPerEpochOf(train.length, settings.batchSize, body.n_epochs);
  const steps = stepsPerEpoch * body.n_epochs;
  const evalSteps = body.n_evals === 0 ? [] : spread(body.n_evals, steps);
  const stop = earlyStop(jobId, settings, evalSteps, steps);
  const trainedSteps = stop?.haltStep ?? steps;
  const trainingTokens = fileTokens(train, counter, settings.maxSeqLength);
  const validationTokens = fileTokens(validation, counter, settings.maxSeqLength);
  return {
    trainingRows: train.length,
    trainingTokens,
    validationTokens,
    steps,
    trainedSteps,
    stepsPerEpoch,
    evalSteps: evalSteps.filter((s) => s <= trainedSteps),
    checkpointSteps: spread(body.n_checkpoints, steps).filter((s) => s < trainedSteps),
    earlyStop: stop,
    price: computePrice({
      model: settings.model,
      kind: settings.kind,
      nEpochs: body.n_epochs,
      nEvals: body.n_evals,
      trainingTokens,
      validationTokens,
    }),
  };
}
