/**
 * Checks a would-be Together job in full before anything reaches `POST /fine-tunes`, against the
 * model's own limits (Together's `GET /fine-tunes/models/limits`, read with the catalogue): every
 * problem at once, each with its field path and a message naming the value and the rule, in the same
 * shape as Nscale's checks (validate-job-input.ts). Then the request to send, in the Together client's
 * input (the gateway's defaults are the GraphQL input's; nothing is filled here but `maskPromptLabels`,
 * whose default is the training method's: SFT's when it is sent).
 */
import { satisfiesLimit, togetherBatchSizeLimit, togetherCheckpointsLimit } from '../contract/hyperparameter-limits.js';
import { DEFAULT_MASK_PROMPT_LABELS } from '../contract/hyperparameters.js';
import type { Problem } from '../errors/input-problems.js';
import { upstreamId } from '../providers/provider-ids.js';
import type { TogetherCreateJobInput } from '../upstream/together/create-job-input.js';
import type { TogetherModelLimits } from '../upstream/together/wire-files.js';
import type { GatewayContext } from './context.js';
import { refusedByProvider, type JobArgs } from './job-args.js';
import { repositoryAndTokenProblems } from './validate-export-input.js';
import { uniqueTrainableModules } from './validate-job-input.js';
import { checkFile, fileIds, show } from './validate-together-files.js';

type Check = (field: string, ok: boolean, message: () => string) => void;

const between = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;
const integerBetween = (v: number, min: number, max: number) => Number.isInteger(v) && between(v, min, max);
/** A finite number ≥ `min` (an inline literal such as 1e309 reaches a resolver as Infinity). */
const atLeast = (v: number, min: number) => Number.isFinite(v) && v >= min;

export async function validateTogetherJob(
  args: JobArgs,
  ctx: GatewayContext,
): Promise<{ ok: true; job: TogetherCreateJobInput } | { ok: false; problems: Problem[] }> {
  const problems = refusedByProvider(args, 'together');
  const check: Check = (field, ok, message) => {
    if (!ok) problems.push({ field, message: `${field}: ${message()}` });
  };
  // Together registers the trained model under `<model>-<name>-<id>`: the name is its `suffix`.
  check(
    'name',
    args.name.length >= 1 && args.name.length <= 64 && /^[\w.-]+$/.test(args.name),
    () =>
      `${show(args.name)} must be 1 to 64 ASCII letters (a–z, A–Z), digits, "-", "_" or "." on Together (it names the trained model)`,
  );
  const ids = fileIds(args, problems);
  const dpo = args.hyperparameters.dpo != null;
  const [model] = await Promise.all([
    ctx.loaders().baseModel.load(String(args.baseModelId)),
    checkFile(ctx, ids.training, 'files.trainingFileId', dpo, problems),
    checkFile(ctx, ids.validation, 'files.validationFileId', dpo, problems),
  ]);
  const limits = model?.togetherLimits;
  if (!model || !limits)
    problems.push({
      field: 'baseModelId',
      message: `baseModelId: ${show(String(args.baseModelId))} is not a base model Together fine-tunes (see the baseModels query)`,
    });
  else checkSettings(args.hyperparameters, limits, ids.validation !== null, check);
  const fromCheckpoint = checkpointOf(args.fromCheckpoint, problems);
  if (args.huggingFaceExport != null)
    problems.push(...repositoryAndTokenProblems(args.huggingFaceExport, 'huggingFaceExport.'));
  if (problems.length > 0 || !ids.training) return { ok: false, problems };
  return { ok: true, job: togetherInput(args, ids.training, ids.validation, fromCheckpoint) };
}

/** The settings' problems against a Together model's limits (also `analyzeDataset`'s check there). */
export function togetherSettingsProblems(
  h: JobArgs['hyperparameters'],
  limits: TogetherModelLimits,
  hasValidation: boolean,
): Problem[] {
  const problems: Problem[] = [];
  checkSettings(h, limits, hasValidation, (field, ok, message) => {
    if (!ok) problems.push({ field, message: `${field}: ${message()}` });
  });
  return problems;
}

function checkSettings(
  h: JobArgs['hyperparameters'],
  limits: TogetherModelLimits,
  hasValidation: boolean,
  check: Check,
): void {
  const m = limits.modelName;
  check(
    'hyperparameters.nEpochs',
    integerBetween(h.nEpochs, 1, limits.maxEpochs),
    () => `${h.nEpochs} is not an integer from 1 to ${limits.maxEpochs} for ${m}`,
  );
  check(
    'hyperparameters.nEvals',
    integerBetween(h.nEvals, 0, limits.maxEvals),
    () => `${h.nEvals} is not an integer from 0 to ${limits.maxEvals} for ${m}`,
  );
  check(
    'hyperparameters.nEvals',
    h.nEvals === 0 || hasValidation,
    () => `${h.nEvals} evaluations need a validation file (files.validationFileId)`,
  );
  const lr = limits.learningRate;
  check(
    'hyperparameters.learningRate',
    between(h.learningRate, lr.min, lr.max),
    () => `${h.learningRate} is not a number from ${lr.min} to ${lr.max} for ${m}`,
  );
  check(
    'hyperparameters.warmupRatio',
    atLeast(h.warmupRatio, 0) && h.warmupRatio < 1,
    () => `${h.warmupRatio} is not a number from 0 up to (not including) 1`,
  );
  check('hyperparameters.weightDecay', atLeast(h.weightDecay, 0), () => `${h.weightDecay} is not a finite number ≥ 0`);
  const full = !h.lora.enabled;
  check(
    'hyperparameters.lora.enabled',
    !full || limits.full !== null,
    () => `false (full training) is not offered for ${m}: train a LoRA adapter`,
  );
  checkBatchSize(h, limits, check);
  if (!full) checkLora(h.lora, limits, check);
  if (h.nCheckpoints != null)
    check(
      'hyperparameters.nCheckpoints',
      satisfiesLimit(togetherCheckpointsLimit(limits), h.nCheckpoints),
      () => `${h.nCheckpoints} is not an integer from 1 to ${limits.maxCheckpoints} for ${m}`,
    );
  if (h.dpo) checkDpo(h.dpo, h.maskPromptLabels, check);
  checkEarlyStopping(h, hasValidation, check);
}

/**
 * Preference training's settings. Together's DPO takes no `train_on_inputs` (its OpenAPI
 * `TrainingMethodDPO`, the SDK's type): it never trains on the prompt, so the prompt stays masked,
 * and a `maskPromptLabels: false` it could not honour is refused rather than dropped.
 */
function checkDpo(dpo: { beta: number }, maskPromptLabels: boolean | null | undefined, check: Check): void {
  check(
    'hyperparameters.dpo.beta',
    atLeast(dpo.beta, 0) && dpo.beta > 0,
    () => `${dpo.beta} is not a finite number above 0`,
  );
  check(
    'hyperparameters.maskPromptLabels',
    maskPromptLabels !== false,
    () =>
      'false is not available with hyperparameters.dpo: preference training (DPO) never trains on the prompt ' +
      "(Together's DPO takes no train_on_inputs); leave it out, or send true",
  );
}

/** Early stopping's settings, and the evaluations it needs to watch. */
function checkEarlyStopping(h: JobArgs['hyperparameters'], hasValidation: boolean, check: Check): void {
  const stop = h.earlyStopping;
  if (!stop) return;
  check(
    'hyperparameters.earlyStopping',
    hasValidation,
    () => 'needs a validation file (files.validationFileId) to watch the validation loss',
  );
  check(
    'hyperparameters.earlyStopping.patience',
    Number.isInteger(stop.patience) && stop.patience >= 1,
    () => `${stop.patience} is not an integer ≥ 1`,
  );
  check(
    'hyperparameters.earlyStopping.warmupEvals',
    Number.isInteger(stop.warmupEvals) && stop.warmupEvals >= 0,
    () => `${stop.warmupEvals} is not an integer ≥ 0`,
  );
  check(
    'hyperparameters.earlyStopping.minDelta',
    atLeast(stop.minDelta, 0),
    () => `${stop.minDelta} is not a finite number ≥ 0`,
  );
  const needed = stop.patience + stop.warmupEvals + 1;
  check(
    'hyperparameters.nEvals',
    h.nEvals >= needed,
    () => `${h.nEvals} is too few for early stopping: at least patience + warmupEvals + 1 = ${needed}`,
  );
}

/** A batch size given is within the model's range for the training chosen; omitted, Together's default applies. */
function checkBatchSize(h: JobArgs['hyperparameters'], limits: TogetherModelLimits, check: Check): void {
  const method = { full: !h.lora.enabled, dpo: h.dpo != null };
  const range = togetherBatchSizeLimit(limits, method);
  const batch = h.batchSize;
  if (!range || batch == null) return;
  const kind = `${method.full ? 'full' : 'LoRA'} ${method.dpo ? 'DPO' : 'SFT'}`;
  check(
    'hyperparameters.batchSize',
    satisfiesLimit(range, batch),
    () => `${batch} is not an integer from ${range.min} to ${range.max} for ${kind} training of ${limits.modelName}`,
  );
}

function checkLora(lora: JobArgs['hyperparameters']['lora'], limits: TogetherModelLimits, check: Check): void {
  const m = limits.modelName;
  check(
    'hyperparameters.lora.r',
    integerBetween(lora.r, 1, limits.lora.maxRank),
    () => `${lora.r} is not an integer from 1 to ${limits.lora.maxRank} for ${m}`,
  );
  check('hyperparameters.lora.alpha', lora.alpha > 0, () => `${lora.alpha} is not a number above 0`);
  check(
    'hyperparameters.lora.dropout',
    lora.dropout >= 0 && lora.dropout < 1,
    () => `${lora.dropout} is not a number from 0 up to (not including) 1`,
  );
  const once = uniqueTrainableModules.safeParse(lora.trainableModules);
  check('hyperparameters.lora.trainableModules', once.success, () => once.error?.issues[0]?.message ?? '');
  const unknown = lora.trainableModules.filter((module) => !limits.lora.targetModules.includes(module));
  check(
    'hyperparameters.lora.trainableModules',
    unknown.length === 0,
    () =>
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a module' : 'are not modules'} ${m} ` +
      `adapts (${limits.lora.targetModules.join(', ')})`,
  );
}

/**
 * `together:<job>`, `together:<job>:<step>` or `together:<job>:final` (a final checkpoint's
 * `JobCheckpoint.id`, the job's own model) → Together's `<job>[:<step>]`.
 */
function checkpointOf(value: string | null | undefined, problems: Problem[]): string | undefined {
  if (value == null) return undefined;
  const field = 'fromCheckpoint';
  const whole = value.trim();
  const match = /^(.*?)(:\d+|:final)?$/.exec(whole);
  const step = match?.[2] === ':final' ? '' : (match?.[2] ?? '');
  try {
    // Refused, the whole value is named, step and all: its job part alone read as if the step were dropped.
    const job = upstreamId('together', match?.[1] ?? '', field, step);
    if (job !== '') return `${job}${step}`;
    problems.push({
      field,
      message: `${field}: ${JSON.stringify(whole.slice(0, 200))} names no job: it takes \`<job id>\` or \`<job id>:<step>\``,
    });
  } catch (error) {
    problems.push({ field, message: (error as Error).message });
  }
  return undefined;
}

function togetherInput(
  args: JobArgs,
  trainingFileId: string,
  validationFileId: string | null,
  fromCheckpoint: string | undefined,
): TogetherCreateJobInput {
  const h = args.hyperparameters;
  const l = h.lora;
  return {
    model: String(args.baseModelId),
    trainingFileId,
    ...(validationFileId ? { validationFileId } : {}),
    suffix: args.name,
    nEpochs: h.nEpochs,
    nEvals: h.nEvals,
    // Omitted: Together's own default, the model's largest batch for this training.
    batchSize: h.batchSize ?? 'max',
    learningRate: h.learningRate,
    warmupRatio: h.warmupRatio,
    weightDecay: h.weightDecay,
    ...(h.nCheckpoints != null ? { nCheckpoints: h.nCheckpoints } : {}),
    training: l.enabled
      ? {
          type: 'lora',
          r: l.r,
          alpha: l.alpha,
          dropout: l.dropout,
          trainableModules: l.trainableModules.length === 0 ? 'all-linear' : l.trainableModules.join(','),
        }
      : { type: 'full' },
    // maskPromptLabels is the gateway's name for leaving the prompt out of the loss: Together's train_on_inputs,
    // inverted, which only SFT takes (DPO never trains on the prompt: checkDpo). Omitted, SFT's default.
    method: h.dpo
      ? { method: 'dpo', beta: h.dpo.beta }
      : { method: 'sft', trainOnInputs: !(h.maskPromptLabels ?? DEFAULT_MASK_PROMPT_LABELS) },
    ...(h.earlyStopping ? { earlyStopping: { ...h.earlyStopping } } : {}),
    ...(fromCheckpoint ? { fromCheckpoint } : {}),
    ...(args.huggingFaceExport
      ? {
          huggingFaceExport: {
            repositoryName: args.huggingFaceExport.repositoryId,
            token: args.huggingFaceExport.accessToken,
          },
        }
      : {}),
  };
}
