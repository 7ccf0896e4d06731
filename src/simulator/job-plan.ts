/**
 * What a job will do, fixed when it is created: the rows and tokens it trains and evaluates on, its
 * step count and evaluation steps, and whether its data can be trained on at all. The estimate
 * (`estimated_usage`) is priced from the same plan, so a dry run and a real job always agree.
 */
import { computeCost } from '../contract/pricing.js';
import { countTokens } from '../contract/tokens.js';
import type { JobRequest } from './job-request.js';

export interface JobPlan {
  trainingRows: number;
  validationRows: number;
  /** Tokens of one pass over the training rows (prompt and answer columns). */
  trainingTokens: number;
  /** Tokens of one evaluation pass. */
  validationTokens: number;
  trainingSteps: number;
  /** Steps at which an evaluation runs, ascending, distinct. */
  evalSteps: number[];
  /** Why the data cannot be trained on; the job fails with it once running. */
  dataProblem: string | null;
}

/** Fewer steps would make the simulated progress jump from nothing to done. */
const MIN_STEPS = 10;

function rowTokens(rows: readonly string[][], columns: readonly number[]): number {
  let tokens = 0;
  for (const row of rows) for (const c of columns) tokens += countTokens(row[c] ?? '');
  return tokens;
}

/** With no validation file the service holds out 1% of the training rows (at least one, when there are two). */
export function heldOutRows(rows: number): number {
  return rows < 2 ? 0 : Math.max(1, Math.round(rows * 0.01));
}

export function planJob(request: JobRequest): JobPlan {
  const { trainingFile, validationFile, dataset, hyperparameters: hp } = request;
  const indexes = (header: readonly string[]): number[] =>
    [dataset.prompt_column, dataset.answer_column].filter((c): c is string => c !== null).map((c) => header.indexOf(c));

  const held = validationFile === null ? heldOutRows(trainingFile.rows.length) : 0;
  const trainRows = trainingFile.rows.slice(0, trainingFile.rows.length - held);
  const evalRows = validationFile === null ? trainingFile.rows.slice(trainRows.length) : validationFile.rows;
  const trainCols = indexes(trainingFile.header);
  const evalCols = indexes((validationFile ?? trainingFile).header);

  const trainingSteps = Math.max(MIN_STEPS, Math.ceil(trainRows.length / hp.batch_size) * hp.n_epochs);
  const evalSteps = [
    ...new Set(Array.from({ length: hp.n_evals }, (_, i) => Math.max(1, Math.round(((i + 1) * trainingSteps) / hp.n_evals)))),
  ];

  // The rule for unusable data: an answer column empty in every training row leaves nothing to learn.
  const answerIndex = trainingFile.header.indexOf(dataset.answer_column);
  const allEmpty = trainingFile.rows.every((row) => (row[answerIndex] ?? '').trim() === '');
  const dataProblem = allEmpty
    ? `dataset.answer_column ${JSON.stringify(dataset.answer_column)} is empty in every row of training file ${trainingFile.id}: nothing to train on`
    : null;

  return {
    trainingRows: trainRows.length,
    validationRows: evalRows.length,
    trainingTokens: rowTokens(trainRows, trainCols),
    validationTokens: rowTokens(evalRows, evalCols),
    trainingSteps,
    evalSteps,
    dataProblem,
  };
}

export function estimateUsage(plan: JobPlan, request: JobRequest, priceTable: Readonly<Record<string, number>>): { cost: number; tokens: number } {
  const { cost, tokens } = computeCost({
    pricePerMillionTokens: priceTable[request.baseModel.id] ?? 1,
    nEpochs: request.hyperparameters.n_epochs,
    nEvals: request.hyperparameters.n_evals,
    trainingTokens: plan.trainingTokens,
    validationTokens: plan.validationTokens,
  });
  return { cost, tokens };
}
