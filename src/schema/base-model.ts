import { hyperparameterLimitsOf, type ProviderBaseModel } from '../providers/fine-tuning-provider.js';
import { builder } from './builder.js';
import { HyperparameterLimitsRef } from './hyperparameter-limits.js';
import { ProviderEnum } from './provider.js';
import { unknownIdError } from '../resolvers/unknown-id.js';

export const BaseModelRef = builder.objectRef<ProviderBaseModel>('BaseModel').implement({
  description: 'A pre-trained model that a fine-tuning job starts from.',
  fields: (t) => ({
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider whose model it is.',
      resolve: (m) => m.provider,
    }),
    id: t.exposeID('id', { description: 'The upstream id of the model, used as `baseModelId` when creating a job.' }),
    name: t.exposeString('name', { description: 'The model name, such as `Meta-Llama-3-8B-Instruct`.' }),
    organization: t.exposeString('organization', {
      nullable: true,
      description: 'Who published the model, such as `Meta` or `Mistral AI`; null when the provider does not say.',
    }),
    contextLength: t.exposeInt('contextLength', {
      nullable: true,
      description: 'Longest sequence the model takes, in tokens; null when the provider does not say.',
    }),
    supportedBatchSizes: t.exposeIntList('supportedBatchSizes', {
      description: 'Batch sizes a job on this model may use.',
    }),
    trainingPrecision: t.exposeString('trainingPrecision', {
      nullable: true,
      description: 'Numeric precision of training, such as `float16`; null on Together, which does not say.',
    }),
    hyperparameterLimits: t.field({
      type: HyperparameterLimitsRef,
      nullable: true,
      description:
        "The values each numeric setting of a new job on this model may take, and each one's default: the " +
        "limits `createJob` checks on the model's provider, for a form's hints and its own checks. Null when " +
        'the provider gave no limits for the model (Together then refuses a job on it).',
      resolve: (m) => hyperparameterLimitsOf(m),
    }),
  }),
});

builder.queryFields((t) => ({
  baseModels: t.field({
    type: [BaseModelRef],
    description: 'The base models a job can fine-tune.',
    resolve: (_root, _args, ctx) => ctx.loaders().baseModels(),
  }),
  baseModel: t.field({
    type: BaseModelRef,
    nullable: true,
    description:
      'One base model by id; null with a NOT_FOUND error when the provider has no such model (naming `id` in ' +
      '`extensions.field`, as `job` does).',
    args: { id: t.arg.id({ required: true, description: 'The base model id.' }) },
    resolve: async (_root, args, ctx) => {
      const model = await ctx.loaders().baseModel.load(String(args.id));
      if (!model) throw unknownIdError(ctx, 'baseModel', String(args.id));
      return model;
    },
  }),
}));
