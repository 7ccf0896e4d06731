/**
 * The inputs of a new job that only Together honours: the files it trains on (Together has no
 * datasets), early stopping, preference training (DPO) and the Hugging Face export at creation. On Nscale each is refused, naming the
 * provider, before any upstream call (resolvers/provider-only-input.ts).
 */
import { builder } from './builder.js';

export const JobFilesInput = builder.inputType('JobFilesInput', {
  description:
    'The files a job trains and evaluates on, on a provider without datasets (Together): upload them ' +
    'with `uploadFile` and name them here instead of a `dataset`.',
  fields: (t) => ({
    trainingFileId: t.id({ required: true, description: 'The training file (`uploadFile`’s `id`).' }),
    validationFileId: t.id({
      description: 'The validation file, which `nEvals` and `earlyStopping` evaluate on; optional.',
    }),
  }),
});

export const EarlyStoppingInput = builder.inputType('EarlyStoppingInput', {
  description:
    'Together only: stop training when the validation loss stops improving. Needs ' +
    '`files.validationFileId`, and `nEvals` of at least patience + warmupEvals + 1.',
  fields: (t) => ({
    patience: t.int({
      required: true,
      defaultValue: 3,
      description: 'Evaluations without improvement before stopping; at least 1; default 3.',
    }),
    warmupEvals: t.int({
      required: true,
      defaultValue: 1,
      description: 'Evaluations before early stopping may act; at least 0; default 1.',
    }),
    minDelta: t.float({
      required: true,
      defaultValue: 0,
      description: 'The smallest fall of the validation loss that counts as improving; at least 0; default 0.',
    }),
  }),
});

export const DpoInput = builder.inputType('DpoInput', {
  description:
    'Together only: preference training (DPO) instead of supervised fine-tuning. The training file ' +
    'must hold preference rows (input, preferred_output, non_preferred_output).',
  fields: (t) => ({
    beta: t.float({
      required: true,
      defaultValue: 0.1,
      description: 'How far the trained model may move from the base model; above 0; default 0.1.',
    }),
  }),
});

export const JobHuggingFaceExportInput = builder.inputType('JobHuggingFaceExportInput', {
  description:
    'Together only: push the trained model to a Hugging Face repository when the job completes. The ' +
    'access token is passed to the upstream and never stored, logged or returned. On Nscale this is ' +
    'refused: export a COMPLETED job with `exportJobToHuggingFace` instead.',
  fields: (t) => ({
    repositoryId: t.string({ required: true, description: 'The target repository, `user/repo`.' }),
    accessToken: t.string({ required: true, description: 'A Hugging Face access token with write access (`hf_…`).' }),
  }),
});
