/**
 * `BaseModel.hyperparameterLimits`'s types: the values each numeric setting of a new job may take on a
 * base model, from the same source as the provider's checks of `createJob` (contract/hyperparameter-limits.ts),
 * so that a form built from them and the gateway's validation cannot disagree.
 */
import type { BatchSizeLimits, HyperparameterLimits, NumericLimit } from '../contract/hyperparameter-limits.js';
import { builder } from './builder.js';

const NumericLimitRef = builder.objectRef<NumericLimit>('NumericLimit').implement({
  description:
    'The values one numeric setting of a new job may take: from `min` to `max` (`max` itself excluded when ' +
    '`maxExclusive`), whole numbers only when `integer`, and only `allowedValues` where those are listed. ' +
    'A value outside is refused with BAD_USER_INPUT naming the field.',
  fields: (t) => ({
    min: t.exposeFloat('min', { description: 'The smallest value taken (itself included).' }),
    max: t.exposeFloat('max', { nullable: true, description: 'The largest value; null when there is no upper bound.' }),
    maxExclusive: t.exposeBoolean('maxExclusive', {
      description: 'Whether `max` itself is refused: only values below it are taken (a ratio below 1).',
    }),
    integer: t.exposeBoolean('integer', { description: 'Whether only whole numbers are taken.' }),
    allowedValues: t.field({
      type: ['Float'],
      nullable: true,
      description:
        'Where only some values between `min` and `max` are taken, those, in ascending order (Nscale: the ' +
        "model's batch sizes); null when every value the other rules allow is taken.",
      resolve: (limit) => limit.allowedValues && [...limit.allowedValues],
    }),
    default: t.exposeFloat('default', {
      description:
        "What applies when the job leaves the setting out: the gateway's default (`HyperparametersInput`'s), " +
        "the same on every provider; for the batch size, the provider's (Together: the model's largest batch for the " +
        "training method); for `nCheckpoints`, Together's (1).",
    }),
  }),
});

const LoraLimitsRef = builder.objectRef<HyperparameterLimits['lora']>('LoraLimits').implement({
  description: "Limits of a new job's LoRA settings (`HyperparametersInput.lora`) on a base model.",
  fields: (t) => ({
    r: t.expose('r', { type: NumericLimitRef, description: 'Of `lora.r`, the rank of the adaptation.' }),
    alpha: t.expose('alpha', { type: NumericLimitRef, description: 'Of `lora.alpha`, the scaling factor.' }),
    dropout: t.expose('dropout', { type: NumericLimitRef, description: 'Of `lora.dropout`, the dropout probability.' }),
  }),
});

const BatchSizeLimitsRef = builder.objectRef<BatchSizeLimits>('BatchSizeLimits').implement({
  description:
    'The batch sizes (`batchSize`) a new job on a base model takes for each training method, as `createJob` checks ' +
    'them: pick the field of the method chosen, LoRA (`lora.enabled`, the default) or full training ' +
    '(`lora: { enabled: false }`), supervised (SFT, the default) or preference training (with `dpo`). A null field ' +
    'is a method the model does not offer: `createJob` refuses it whatever the batch size.',
  fields: (t) => ({
    loraSft: t.expose('loraSft', {
      type: NumericLimitRef,
      description: 'LoRA supervised training, the default: offered on every model; the same as `batchSize`.',
    }),
    loraDpo: t.expose('loraDpo', {
      type: NumericLimitRef,
      nullable: true,
      description:
        'LoRA preference training (`dpo`). Null where the model is not trained that way: on Nscale, which has no ' +
        'preference training; never on Together.',
    }),
    fullSft: t.expose('fullSft', {
      type: NumericLimitRef,
      nullable: true,
      description:
        'Full supervised training (`lora: { enabled: false }`). Null where the model is not trained that way: on ' +
        'Nscale, which trains LoRA adapters only, and on Together for a model it does not offer for full training ' +
        '(`createJob` refuses `lora.enabled: false` there).',
    }),
    fullDpo: t.expose('fullDpo', {
      type: NumericLimitRef,
      nullable: true,
      description: 'Full preference training (`lora: { enabled: false }` with `dpo`). Null exactly where `fullSft` is.',
    }),
  }),
});

export const HyperparameterLimitsRef = builder.objectRef<HyperparameterLimits>('HyperparameterLimits').implement({
  description:
    "The limits of a new job's numeric settings (`HyperparametersInput`) on a base model, exactly as `createJob` " +
    "and `costEstimate` check them on the model's provider: on Nscale its fixed ranges and the model's batch " +
    "sizes; on Together the model's own limits (Together's limits of fine-tuning that model), read with the " +
    'catalogue at no extra cost. `batchSize` is for LoRA supervised training (the default); `batchSizes` has ' +
    'the batch sizes of every training method, and says which the model does not offer.',
  fields: (t) => ({
    nEpochs: t.expose('nEpochs', { type: NumericLimitRef, description: 'Of `nEpochs`, the passes over the data.' }),
    nEvals: t.expose('nEvals', {
      type: NumericLimitRef,
      description: 'Of `nEvals`, the evaluation runs. Above 0 on Together only with `files.validationFileId`.',
    }),
    batchSize: t.expose('batchSize', {
      type: NumericLimitRef,
      description:
        'Of `batchSize`, the examples per step, in LoRA supervised training (the default); the same as ' +
        '`batchSizes.loraSft`. Other training methods take other sizes: see `batchSizes`.',
    }),
    batchSizes: t.expose('batchSizes', {
      type: BatchSizeLimitsRef,
      description: 'Of `batchSize`, for each training method: a form picks the one of the method the user chose.',
    }),
    learningRate: t.expose('learningRate', {
      type: NumericLimitRef,
      description: 'Of `learningRate`, the step size of the optimizer.',
    }),
    warmupRatio: t.expose('warmupRatio', {
      type: NumericLimitRef,
      description: 'Of `warmupRatio`, the share of steps the learning rate rises over.',
    }),
    weightDecay: t.expose('weightDecay', { type: NumericLimitRef, description: 'Of `weightDecay`.' }),
    lora: t.expose('lora', {
      type: LoraLimitsRef,
      description: 'Of the LoRA settings (`lora`); full training (`lora: { enabled: false }`) does not use them.',
    }),
    nCheckpoints: t.expose('nCheckpoints', {
      type: NumericLimitRef,
      nullable: true,
      description:
        "Of `nCheckpoints`, the intermediate checkpoints a job saves (Together: from 1 to the model's limit); " +
        'null where the provider saves none and refuses the setting (Nscale).',
    }),
  }),
});
