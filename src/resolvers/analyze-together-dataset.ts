/**
 * What `analyzeDataset` checks and decides on Together, before any file is read: the model is one
 * Together fine-tunes, the settings are within its limits and honoured there (as `createJob` checks
 * them, each problem named by analyzeDataset's own field), the training is one a CSV file can take
 * (supervised: a CSV uploads as instruction rows, which DPO refuses), the files are CSV (Together's
 * other format, JSON Lines, is not analysed yet), and the figures follow Together's rules: no
 * hold-out without a validation file (no evaluation then), its catalogue price, no minimum. Together
 * has no datasets, so there is no upstream dataset to compare with.
 */
import { InputProblems, type Problem } from '../errors/input-problems.js';
import type { AnalysisPlan, AnalyzeDatasetArgs } from './analyze-dataset.js';
import type { TogetherModelLimits } from '../upstream/together/wire-files.js';
import type { GatewayContext } from './context.js';
import { refusedByProvider } from './job-args.js';
import { togetherSettingsProblems } from './validate-together-job.js';

/** Said of a file that reads like JSON Lines (found from its content: a part's name arrives with its bytes). */
const JSONL_MISSING =
  'JSON Lines is not analysed yet on provider together: the pre-flight reads CSV files (a prompt ' +
  'and an answer column); upload the JSONL file with uploadFile and price it with costEstimate, ' +
  'which counts its tokens upstream';

/**
 * A CSV file uploads to Together as instruction rows (its two columns become prompt and completion),
 * which DPO does not train on: createJob refuses such a file with `hyperparameters.dpo`, naming it.
 */
const dpoOnCsv = (field: string): Problem => ({
  field,
  message:
    `${field}: DPO training needs preference rows (input, preferred_output, non_preferred_output); a CSV ` +
    'file uploads as instruction rows (prompt and completion), and the pre-flight reads CSV files only ' +
    '(leave hyperparameters.dpo out to price supervised training on them; a preference JSON Lines file is ' +
    'priced by costEstimate once uploaded with uploadFile)',
});

/** createJob's names for the files (`files.validationFileId`) in a shared check's message, as analyzeDataset's. */
const ownFieldNames = (p: Problem): Problem => ({
  ...p,
  message: p.message
    .replace(/\bfiles\.validationFileId\b/g, 'validationFile')
    .replace(/\bfiles\.trainingFileId\b/g, 'trainingFile'),
});

/** What Together's createJob and costEstimate would refuse of this input, named by analyzeDataset's fields. */
function togetherInputProblems(args: AnalyzeDatasetArgs, limits: TogetherModelLimits | undefined): Problem[] {
  const problems: Problem[] = [];
  if (args.compareWithDatasetId != null)
    problems.push({
      field: 'compareWithDatasetId',
      message:
        'compareWithDatasetId: not available on provider together: it has no datasets; upload the files and compare with costEstimate',
    });
  // What Together cannot honour of the settings, as createJob refuses it (a placeholder stands for the
  // files, which are this input's uploads).
  const job = { name: 'pre-flight analysis', baseModelId: args.baseModelId, hyperparameters: args.hyperparameters };
  problems.push(...refusedByProvider({ ...job, files: { trainingFileId: '-' } }, 'together'));
  if (!limits)
    problems.push({
      field: 'baseModelId',
      message:
        `baseModelId: ${JSON.stringify(String(args.baseModelId))} is not a base model Together ` +
        `fine-tunes (see the baseModels query)`,
    });
  else
    problems.push(
      ...togetherSettingsProblems(args.hyperparameters, limits, args.validationFile != null).map(ownFieldNames),
    );
  if (args.hyperparameters.dpo != null) {
    problems.push(dpoOnCsv('trainingFile'));
    if (args.validationFile != null) problems.push(dpoOnCsv('validationFile'));
  }
  return problems;
}

export async function togetherAnalysisPlan(args: AnalyzeDatasetArgs, ctx: GatewayContext): Promise<AnalysisPlan> {
  const model = await ctx.loaders().baseModel.load(String(args.baseModelId));
  const limits = model?.togetherLimits;
  const problems = togetherInputProblems(args, limits);
  if (problems.length > 0 || !model) throw new InputProblems(problems);
  const price = model.togetherPricePerMillionTokens;
  return {
    baseModelId: model.id,
    baseModelName: model.name,
    // What Together trains a row on: at most its max_seq_length (a longer row is cut there, and so
    // counted by its estimate), not the model's context length (131,072 against 32,768 for Llama 3.1 8B).
    contextLength: limits?.maxSeqLength.sft ?? model.contextLength ?? 0,
    cutAtContext: true,
    provider: 'together',
    nEpochs: args.hyperparameters.nEpochs,
    nEvals: args.hyperparameters.nEvals,
    holdOut: false,
    jsonLines: JSONL_MISSING,
    price: {
      perMillionTokens: price ?? 0,
      source:
        price == null
          ? 'Together’s catalogue gives no price for this model: see costEstimate once the files are uploaded'
          : 'Together’s catalogue price of LoRA SFT training for this model (pricing.finetune); costEstimate ' +
            'gives Together’s own figure for the training chosen',
      minimumUsd: 0,
    },
  };
}
