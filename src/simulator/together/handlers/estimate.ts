/**
 * `POST /fine-tunes/estimate-price`: the tokens and price a job would have, by the same rule a job
 * is billed by, with `allowed_to_proceed` (the price fits the balance left) and `user_limit` (that
 * balance). A file not yet checked, or failing the checks, makes the estimate unavailable, with
 * the SDK's reasons. The model comes from `model`, else from the `from_checkpoint` job.
 */
import type { FineTuningEstimatePriceResponse } from 'together-ai/resources/fine-tuning';
import { json, type Reply } from '../../reply.js';
import { readJsonBody } from '../../request-body.js';
import { availableBalance } from '../balance.js';
import type { TogetherContext } from '../context.js';
import { parseBody, resolveModel, trainingKind } from '../create-rules.js';
import { estimateBodySchema } from '../create-schema.js';
import { invalidRequest } from '../errors.js';
import { fileTokens } from '../job-plan.js';
import type { FineTuneModel } from '../models.js';
import { computePrice } from '../pricing.js';
import { loadSampleCounter } from '../sample-tokens.js';
import type { AccountState, StoredFile } from '../store.js';

type Unavailable = FineTuningEstimatePriceResponse.UnavailableEstimate['unavailable_reason'];

function dataFile(account: AccountState, id: string, param: string): StoredFile {
  const file = account.files.get(id);
  if (file === undefined) throw invalidRequest(`${param}: no file with ID ${JSON.stringify(id)} exists.`, param);
  return file;
}

function unavailable(file: StoredFile, role: 'train' | 'eval'): Unavailable | null {
  if (file.check === null) return `${role}_file_not_validated`;
  return file.check.ok ? null : `${role}_file_invalid`;
}

function modelOf(account: AccountState, model: string | undefined, fromCheckpoint: string | undefined): FineTuneModel {
  if (model !== undefined) return resolveModel(model);
  const job = fromCheckpoint === undefined ? undefined : account.jobs.get(fromCheckpoint.split(':')[0] ?? '');
  if (job === undefined)
    throw invalidRequest('model is required unless from_checkpoint names a fine-tune job of yours.', 'model');
  return job.settings.model;
}

export async function estimatePrice(ctx: TogetherContext): Promise<Reply> {
  const body = parseBody(estimateBodySchema, await readJsonBody(ctx.req));
  const model = modelOf(ctx.account, body.model, body.from_checkpoint);
  const train = dataFile(ctx.account, body.training_file, 'training_file');
  const validation =
    body.validation_file === undefined ? null : dataFile(ctx.account, body.validation_file, 'validation_file');
  const reason = unavailable(train, 'train') ?? (validation === null ? null : unavailable(validation, 'eval'));
  if (reason !== null)
    return json(200, {
      estimation_available: false,
      unavailable_reason: reason,
    } satisfies FineTuningEstimatePriceResponse);
  const counter = await loadSampleCounter(model);
  const samples = (file: StoredFile | null) => (file?.check?.ok === true ? file.check.samples : []);
  const maxSeq = trainingKind(body).method === 'dpo' ? model.maxSeqLengthDpo : model.maxSeqLengthSft;
  const price = computePrice({
    model,
    kind: trainingKind(body),
    nEpochs: body.n_epochs,
    nEvals: body.n_evals,
    trainingTokens: fileTokens(samples(train), counter, maxSeq),
    validationTokens: fileTokens(samples(validation), counter, maxSeq),
  });
  const available = availableBalance(ctx.account, ctx.now);
  const estimate = {
    estimation_available: true,
    allowed_to_proceed: price.total <= available,
    estimated_total_price: price.total,
    estimated_train_token_count: price.trainTokens,
    estimated_eval_token_count: price.evalTokens,
    user_limit: Math.max(0, available),
  } satisfies FineTuningEstimatePriceResponse;
  return json(200, estimate);
}
