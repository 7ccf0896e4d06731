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

export interface HyperparameterLimits {
  nEpochs: NumericLimit;
  nEvals: NumericLimit;
  batchSize: NumericLimit;
  learningRate: NumericLimit;
  warmupRatio: NumericLimit;
  weightDecay: NumericLimit;
  lora: { r: NumericLimit; alpha: NumericLimit; dropout: NumericLimit };
}

/**
 * The numbers of a Together model's limits that bound a LoRA supervised job: a slice of the Together
 * client's `TogetherModelLimits`, spelled out here because the contract imports nothing outside itself.
 */
export interface TogetherModelBounds {
  maxEpochs: number;
  maxEvals: number;
  learningRate: { min: number; max: number };
  lora: { min: number; max: number; maxRank: number };
}

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
  return {
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

/**
 * Together's, for a LoRA supervised job on the model: its maxima of epochs, evaluations and rank, its
 * learning-rate range and LoRA batch range (whose top is Together's default batch), and Together's own
 * fixed bounds of the rest (a warmup ratio and a dropout below 1, a weight decay ≥ 0, an alpha above 0,
 * which an integer `alpha` makes ≥ 1).
 */
export function togetherHyperparameterLimits(limits: TogetherModelBounds): HyperparameterLimits {
  return {
    nEpochs: integer(1, limits.maxEpochs, H.nEpochs.default),
    nEvals: integer(0, limits.maxEvals, H.nEvals.default),
    batchSize: integer(limits.lora.min, limits.lora.max, limits.lora.max),
    learningRate: number(limits.learningRate.min, limits.learningRate.max, false, H.learningRate.default),
    warmupRatio: number(0, 1, true, H.warmupRatio.default),
    weightDecay: number(0, null, false, H.weightDecay.default),
    lora: {
      r: integer(1, limits.lora.maxRank, L.r.default),
      alpha: integer(1, null, L.alpha.default),
      dropout: number(0, 1, true, L.dropout.default),
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
