/**
 * What a job will do, fixed when it is created: the rows and tokens it trains and evaluates on, its
 * step count and evaluation steps, and whether its data can be trained on at all. The estimate
 * (`estimated_usage`) is priced from the same plan, so a dry run and a real job always agree.
 */
import { chatTemplateFor, type ChatTemplate } from '../contract/chat-templates.js';
import { heldOutRows } from '../contract/hold-out.js';
import { computeCost } from '../contract/pricing.js';
import { invalidArgument } from './api-error.js';
import type { JobRequest } from './job-request.js';
import type { RowCounter } from './row-counter.js';

export interface JobPlan {
  trainingRows: number;
  validationRows: number;
  /** Tokens of one pass over the training rows, by the contract's row rule (`row-tokens.ts`). */
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

/** Tokens of `rows` by the shared row rule (the base model's tokenizer and chat template), counted off the event loop. */
function fileTokens(
  rows: readonly string[][],
  header: readonly string[],
  request: JobRequest,
  counter: RowCounter,
): Promise<number> {
  const promptIndex = request.dataset.prompt_column === null ? -1 : header.indexOf(request.dataset.prompt_column);
  const answerIndex = header.indexOf(request.dataset.answer_column);
  return counter.count(
    request.baseModel.id,
    rows.map((row): [string | null, string] => [
      promptIndex === -1 ? null : (row[promptIndex] ?? ''),
      row[answerIndex] ?? '',
    ]),
  );
}

export async function planJob(request: JobRequest, counter: RowCounter): Promise<JobPlan> {
  const { trainingFile, validationFile, dataset, hyperparameters: hp } = request;
  const template: ChatTemplate | undefined = chatTemplateFor(request.baseModel.id);
  if (template === undefined)
    throw invalidArgument(`base_model_id: no tokenizer is known for ${request.baseModel.name}`);

  const held = validationFile === null ? heldOutRows(trainingFile.rows.length) : 0;
  const trainRows = trainingFile.rows.slice(0, trainingFile.rows.length - held);
  const evalRows = validationFile === null ? trainingFile.rows.slice(trainRows.length) : validationFile.rows;

  const trainingSteps = Math.max(MIN_STEPS, Math.ceil(trainRows.length / hp.batch_size) * hp.n_epochs);
  const validationTokens = await fileTokens(evalRows, (validationFile ?? trainingFile).header, request, counter);
  // A validation split of no tokens (no rows held out, or only empty answers) has nothing to evaluate:
  // no evaluation runs, so no validation loss is ever reported for it.
  const evaluations = validationTokens === 0 ? 0 : hp.n_evals;
  const evalSteps = [
    ...new Set(
      Array.from({ length: evaluations }, (_, i) => Math.max(1, Math.round(((i + 1) * trainingSteps) / evaluations))),
    ),
  ];

  // The rule for unusable data: an answer column empty in every training row leaves nothing to learn.
  const answerIndex = trainingFile.header.indexOf(dataset.answer_column);
  const allEmpty = trainingFile.rows.every((row) => (row[answerIndex] ?? '').trim() === '');
  const dataProblem = allEmpty
    ? `dataset.answer_column ${JSON.stringify(dataset.answer_column)} is empty in every row of ` +
      `training file ${trainingFile.id}: nothing to train on`
    : null;

  return {
    trainingRows: trainRows.length,
    validationRows: evalRows.length,
    trainingTokens: await fileTokens(trainRows, trainingFile.header, request, counter),
    validationTokens,
    trainingSteps,
    evalSteps,
    dataProblem,
  };
}

export function estimateUsage(
  plan: JobPlan,
  request: JobRequest,
  priceTable: Readonly<Record<string, number>>,
): { cost: number; tokens: number } {
  const { cost, tokens } = computeCost({
    pricePerMillionTokens: priceTable[request.baseModel.id] ?? 1,
    nEpochs: request.hyperparameters.n_epochs,
    nEvals: request.hyperparameters.n_evals,
    trainingTokens: plan.trainingTokens,
    validationTokens: plan.validationTokens,
  });
  return { cost, tokens };
}
