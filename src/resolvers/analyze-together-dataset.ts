/**
 * What `analyzeDataset` checks and decides on Together, before any file is read: the model is one
 * Together fine-tunes, the settings are within its limits (as `createJob` checks them there), the
 * files are CSV (Together's other format, JSON Lines, is not analysed yet), and the figures follow
 * Together's rules: no hold-out without a validation file (no evaluation then), its catalogue price,
 * no minimum. Together has no datasets, so there is no upstream dataset to compare with.
 */
import { InputProblems, type Problem } from '../errors/input-problems.js';
import type { AnalysisPlan, AnalyzeDatasetArgs } from './analyze-dataset.js';
import type { GatewayContext } from './context.js';
import { togetherSettingsProblems } from './validate-together-job.js';

/** Said of a file that reads like JSON Lines (found from its content: a part's name arrives with its bytes). */
const JSONL_MISSING =
  'JSON Lines is not analysed yet on provider together: the pre-flight reads CSV files (a prompt ' +
  'and an answer column); upload the JSONL file with uploadFile and price it with costEstimate, ' +
  'which counts its tokens upstream';

export async function togetherAnalysisPlan(args: AnalyzeDatasetArgs, ctx: GatewayContext): Promise<AnalysisPlan> {
  const problems: Problem[] = [];
  if (args.compareWithDatasetId != null)
    problems.push({
      field: 'compareWithDatasetId',
      message:
        'compareWithDatasetId: not available on provider together: it has no datasets; upload the files and compare with costEstimate',
    });
  const model = await ctx.loaders().baseModel.load(String(args.baseModelId));
  const limits = model?.togetherLimits;
  if (!model || !limits)
    problems.push({
      field: 'baseModelId',
      message:
        `baseModelId: ${JSON.stringify(String(args.baseModelId))} is not a base model Together ` +
        `fine-tunes (see the baseModels query)`,
    });
  else problems.push(...togetherSettingsProblems(args.hyperparameters, limits, args.validationFile != null));
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
