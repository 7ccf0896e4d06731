/** `Query.analyzeDataset` and its input: a pre-flight check of CSV files for a base model. */
import { resolveAnalyzeDataset } from '../resolvers/analyze-dataset.js';
import { builder } from './builder.js';
import { DatasetAnalysisRef } from './dataset-analysis.js';
import { DEFAULT_HYPERPARAMETERS, HyperparametersInput } from './hyperparameters.js';

export const AnalyzeDatasetInput = builder.inputType('AnalyzeDatasetInput', {
  description:
    'Files to check and the job they are meant for. Send the training file part before the validation file part.',
  fields: (t) => ({
    trainingFile: t.field({ type: 'Upload', required: true, description: 'The training CSV (header row first).' }),
    validationFile: t.field({
      type: 'Upload',
      description:
        'The validation CSV; without it Nscale holds out 1% of the training rows, and Together evaluates nothing (no hold-out).',
    }),
    baseModelId: t.id({
      required: true,
      description: 'The base model whose tokenizer and chat template count the tokens (see `baseModels`).',
    }),
    promptColumn: t.string({ description: 'Column holding the prompts; optional.' }),
    answerColumn: t.string({ required: true, description: 'Column holding the expected answers.' }),
    hyperparameters: t.field({
      type: HyperparametersInput,
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS,
      description: 'Training settings the cost depends on (epochs, evaluations); defaults apply when omitted.',
    }),
    compareWithDatasetId: t.id({
      description:
        "A dataset already uploaded with the same files: the upstream's dry run for it is shown beside the local figure.",
    }),
  }),
});

builder.queryFields((t) => ({
  analyzeDataset: t.field({
    type: DatasetAnalysisRef,
    description:
      'Check CSV files before uploading them or paying for a job: rows read, unusable rows (empty ' +
      'answer, missing column, broken quoting) ' +
      "with their row numbers, duplicates, tokens counted with the base model's own tokenizer and chat " +
      'template (totals, histogram, largest rows, ' +
      'rows over the context length), the training/validation split, and the cost explained: on Nscale ' +
      'by the contract rule with the $2.00 minimum; ' +
      'on Together by its catalogue price of LoRA SFT training, to the micro-dollar, no minimum ' +
      '(`costEstimate` prices the training chosen). ' +
      'On Together the files are CSV too (converted as `uploadFile` converts them); JSON Lines is not ' +
      'analysed yet (BAD_USER_INPUT naming the file). ' +
      'Nothing is sent upstream (unless `compareWithDatasetId` asks for the upstream dry run beside ' +
      'it). Data problems are report entries; ' +
      'a request that cannot be analysed (not a CSV, no such column, unknown model, too large) is BAD_USER_INPUT naming the field.',
    args: {
      input: t.arg({ type: AnalyzeDatasetInput, required: true, description: 'The files and the job they are for.' }),
    },
    resolve: (_root, { input }, ctx) => resolveAnalyzeDataset(input, ctx, ctx.services.preflight),
  }),
}));
