/**
 * A base model's limits of a new job's numeric settings, in one shape whatever the provider: what
 * `BaseModel.hyperparameterLimits` shows, and the bounds the job's validation holds it to. On Nscale
 * they are the contract's fixed rules (hyperparameters.ts) with the model's batch sizes; on Together
 * they are the model's own (its `GET /fine-tunes/models/limits`), each setting bounded as Together
 * bounds it. The defaults are the gateway's (the GraphQL input's), on every provider, except a batch
 * size's, which is each provider's own.
 *
 * Pure data and functions, reached by the dashboard through `#contract/browser`: it checks a value
 * against the limits the gateway sent with `satisfiesLimit`, the same function the gateway's check is
 * locked to (test/gateway/hyperparameter-limits.spec.ts).
 */
import {
  DEFAULT_BATCH_SIZE,
  describeBatchSizes,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  type NumericRule,
} from './hyperparameters.js';

/** The values one numeric setting may take. */
export interface NumericLimit {
  min: number;
  /** Null: no upper bound. */
  max: number | null;
  /** Whether `max` itself is refused (only values below it are taken). */
  maxExclusive: boolean;
  integer: boolean;
  /** Where only some values between `min` and `max` are taken (Nscale's batch sizes); null when any is. */
  allowedValues: readonly number[] | null;
  /** What applies when a job leaves the setting out. */
  default: number;
}

/**
 * The batch sizes of each training method: LoRA or full training (`lora.enabled`), supervised or
 * preference training (`dpo`). Null where the model does not train that way.
 */
export interface BatchSizeLimits {
  /** LoRA supervised training, the default: always offered, the same as `batchSize`. */
  loraSft: NumericLimit;
  loraDpo: NumericLimit | null;
  fullSft: NumericLimit | null;
  fullDpo: NumericLimit | null;
}

export interface HyperparameterLimits {
  nEpochs: NumericLimit;
  nEvals: NumericLimit;
  batchSize: NumericLimit;
  learningRate: NumericLimit;
  warmupRatio: NumericLimit;
  weightDecay: NumericLimit;
  lora: { r: NumericLimit; alpha: NumericLimit; dropout: NumericLimit };
  /** Null where the provider saves no intermediate checkpoints (Nscale). */
  nCheckpoints: NumericLimit | null;
  batchSizes: BatchSizeLimits;
}

/** A Together model's batch sizes for one kind of training (LoRA or full): `max` for SFT, `maxDpo` for DPO. */
export interface TogetherBatchRange {
  min: number;
  max: number;
  maxDpo: number;
}

/**
 * The numbers of a Together model's limits that bound a job: a slice of the Together client's
 * `TogetherModelLimits`, spelled out here because the contract imports nothing outside itself.
 */
export interface TogetherModelBounds {
  maxEpochs: number;
  maxEvals: number;
  maxCheckpoints: number;
  learningRate: { min: number; max: number };
  lora: TogetherBatchRange & { maxRank: number };
  /** Null: the model is not offered for full training. */
  full: TogetherBatchRange | null;
}

/** How a job trains: every weight or a LoRA adapter, and by preference (DPO) or supervised (SFT). */
export interface TrainingMethod {
  full: boolean;
  dpo: boolean;
}

/** Together's `n_checkpoints` when a job sends none. */
export const TOGETHER_DEFAULT_CHECKPOINTS = 1;

const fromRule = (rule: NumericRule): NumericLimit => ({
  min: rule.min,
  max: rule.max ?? null,
  maxExclusive: false,
  integer: rule.integer,
  allowedValues: null,
  default: rule.default,
});

const H = HYPERPARAMETER_RULES;
const L = LORA_RULES;

/** Nscale's: the contract's fixed rules, and one of the model's own batch sizes (4 when none is given). */
export function nscaleHyperparameterLimits(supportedBatchSizes: readonly number[]): HyperparameterLimits {
  const sizes = [...supportedBatchSizes].sort((a, b) => a - b);
  const limits: Omit<HyperparameterLimits, 'nCheckpoints' | 'batchSizes'> = {
    nEpochs: fromRule(H.nEpochs),
    nEvals: fromRule(H.nEvals),
    batchSize: {
      min: sizes[0] ?? DEFAULT_BATCH_SIZE,
      max: sizes.at(-1) ?? DEFAULT_BATCH_SIZE,
      maxExclusive: false,
      integer: true,
      allowedValues: sizes,
      default: DEFAULT_BATCH_SIZE,
    },
    learningRate: fromRule(H.learningRate),
    warmupRatio: fromRule(H.warmupRatio),
    weightDecay: fromRule(H.weightDecay),
    lora: { r: fromRule(L.r), alpha: fromRule(L.alpha), dropout: fromRule(L.dropout) },
  };
  // Nscale trains LoRA adapters by supervised training only, and saves no intermediate checkpoints.
  return {
    ...limits,
    nCheckpoints: null,
    batchSizes: { loraSft: limits.batchSize, loraDpo: null, fullSft: null, fullDpo: null },
  };
}

const integer = (min: number, max: number | null, byDefault: number): NumericLimit => ({
  min,
  max,
  maxExclusive: false,
  integer: true,
  allowedValues: null,
  default: byDefault,
});
/** A number from `min` up to (and with `maxExclusive`, not including) `max`. */
const number = (min: number, max: number | null, maxExclusive: boolean, byDefault: number): NumericLimit => ({
  min,
  max,
  maxExclusive,
  integer: false,
  allowedValues: null,
  default: byDefault,
});

/** A batch range's sizes for SFT or DPO, up to that maximum, which is also Together's default (`"max"`). */
const batchLimit = (range: TogetherBatchRange, dpo: boolean): NumericLimit => {
  const max = dpo ? range.maxDpo : range.max;
  return integer(range.min, max, max);
};

/**
 * The batch sizes a Together model takes for `method`: its LoRA or full range, up to the range's SFT or
 * DPO maximum; null when the model is not offered for full training.
 */
export function togetherBatchSizeLimit(limits: TogetherModelBounds, method: TrainingMethod): NumericLimit | null {
  const range = method.full ? limits.full : limits.lora;
  return range && batchLimit(range, method.dpo);
}

/** The intermediate checkpoints a job on a Together model may save: 1 to the model's maximum. */
export const togetherCheckpointsLimit = (limits: TogetherModelBounds): NumericLimit =>
  integer(1, limits.maxCheckpoints, TOGETHER_DEFAULT_CHECKPOINTS);

/**
 * Together's: the model's maxima of epochs, evaluations, checkpoints and rank, its learning-rate range and
 * batch ranges (`batchSize` is LoRA SFT's, the default training), and Together's own fixed bounds of the
 * rest (a warmup ratio and a dropout below 1, a weight decay ≥ 0, an alpha above 0, which an integer
 * `alpha` makes ≥ 1).
 */
export function togetherHyperparameterLimits(limits: TogetherModelBounds): HyperparameterLimits {
  const { lora, full } = limits;
  const loraSft = batchLimit(lora, false);
  return {
    nEpochs: integer(1, limits.maxEpochs, H.nEpochs.default),
    nEvals: integer(0, limits.maxEvals, H.nEvals.default),
    batchSize: loraSft,
    learningRate: number(limits.learningRate.min, limits.learningRate.max, false, H.learningRate.default),
    warmupRatio: number(0, 1, true, H.warmupRatio.default),
    weightDecay: number(0, null, false, H.weightDecay.default),
    lora: {
      r: integer(1, limits.lora.maxRank, L.r.default),
      alpha: integer(1, null, L.alpha.default),
      dropout: number(0, 1, true, L.dropout.default),
    },
    nCheckpoints: togetherCheckpointsLimit(limits),
    batchSizes: {
      loraSft,
      loraDpo: batchLimit(lora, true),
      fullSft: full && batchLimit(full, false),
      fullDpo: full && batchLimit(full, true),
    },
  };
}

/** Whether `value` is one `limit` takes. */
export function satisfiesLimit(limit: NumericLimit, value: number): boolean {
  if (!Number.isFinite(value) || (limit.integer && !Number.isInteger(value))) return false;
  if (value < limit.min) return false;
  if (limit.max !== null && (limit.maxExclusive ? value >= limit.max : value > limit.max)) return false;
  return limit.allowedValues === null || limit.allowedValues.includes(value);
}

/** "an integer from 1 to 20", "a number from 0 up to (not including) 1", "one of 4, 8, 12, …, 32". */
export function describeLimit(limit: NumericLimit): string {
  if (limit.allowedValues !== null) return `one of ${describeBatchSizes(limit.allowedValues)}`;
  const kind = limit.integer ? 'an integer' : 'a number';
  if (limit.max === null) return `${kind} ≥ ${limit.min}`;
  return `${kind} from ${limit.min} ${limit.maxExclusive ? 'up to (not including)' : 'to'} ${limit.max}`;
}
