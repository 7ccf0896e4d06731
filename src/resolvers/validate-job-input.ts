/**
 * Checks a would-be job in full before anything reaches `POST /jobs` (a job costs at least $2).
 *
 * Two passes: the rules that need nothing but the input (ranges of the seed, LoRA only), written as
 * one zod schema so that every problem is reported, not just the first; then the rules that need the
 * upstream (the base model exists and supports the batch size, the dataset exists, its files have the
 * named columns), read through the caller's loaders. The result is every problem with its field path
 * and a message naming the value and the rule, or the complete request with defaults applied.
 */
import { z } from 'zod';
import {
  DEFAULT_BATCH_SIZE,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  describeBatchSizes,
  describeRule,
  satisfiesRule,
  type NumericRule,
} from '../contract/hyperparameters.js';
import type { Problem } from '../errors/input-problems.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { CreateJobInput } from '../upstream/schemas.js';
import type { Loaders } from './loaders.js';

/** The GraphQL input after coercion (schema defaults applied where the client omitted a field). */
export interface CreateJobArgs {
  name: string;
  baseModelId: string | number;
  dataset: { id: string | number; promptColumn?: string | null; answerColumn: string };
  hyperparameters?: {
    nEpochs: number;
    nEvals: number;
    batchSize: number;
    learningRate: number;
    warmupRatio: number;
    weightDecay: number;
    bestCheckpoints: boolean;
    maskPromptLabels: boolean;
    lora?: { enabled: boolean; r: number; alpha: number; dropout: number; trainableModules: string[] } | null;
  } | null;
}

export type NormalizedJob = CreateJobInput & { hyperparameters: Required<NonNullable<CreateJobInput['hyperparameters']>> };

const ruled = (rule: NumericRule, path: string) =>
  z.number().refine((value) => satisfiesRule(rule, value), {
    error: (issue) => `${path}: ${formatValue(issue.input)} is not ${describeRule(rule)}`,
  });

const nonBlank = (path: string) =>
  z.string().refine((value) => value.trim() !== '', { error: () => `${path}: must not be empty` });

const h = HYPERPARAMETER_RULES;
const l = LORA_RULES;

const inputSchema = z.object({
  name: nonBlank('name'),
  baseModelId: z.coerce.string().pipe(nonBlank('baseModelId')),
  dataset: z.object({
    id: z.coerce.string().pipe(nonBlank('dataset.id')),
    promptColumn: z.string().nullish().refine((v) => v == null || v.trim() !== '', {
      error: () => 'dataset.promptColumn: must not be empty (omit it to train without a prompt column)',
    }),
    answerColumn: nonBlank('dataset.answerColumn'),
  }).superRefine((dataset, ctx) => {
    if (dataset.promptColumn != null && dataset.promptColumn === dataset.answerColumn) {
      ctx.addIssue({
        code: 'custom',
        path: ['promptColumn'],
        message: `dataset.promptColumn: ${formatValue(dataset.promptColumn)} is also the answer column; the prompt and the answer must be different columns`,
      });
    }
  }),
  hyperparameters: z
    .object({
      nEpochs: ruled(h.nEpochs, 'hyperparameters.nEpochs'),
      nEvals: ruled(h.nEvals, 'hyperparameters.nEvals'),
      batchSize: z.number().int({ error: (i) => `hyperparameters.batchSize: ${formatValue(i.input)} is not an integer` }),
      learningRate: ruled(h.learningRate, 'hyperparameters.learningRate'),
      warmupRatio: ruled(h.warmupRatio, 'hyperparameters.warmupRatio'),
      weightDecay: ruled(h.weightDecay, 'hyperparameters.weightDecay'),
      bestCheckpoints: z.boolean(),
      maskPromptLabels: z.boolean(),
      lora: z
        .object({
          enabled: z.boolean().refine((v) => v, {
            error: () => 'hyperparameters.lora.enabled: false is not supported: only LoRA fine-tuning is offered (full fine-tuning is not available yet)',
          }),
          r: ruled(l.r, 'hyperparameters.lora.r'),
          alpha: ruled(l.alpha, 'hyperparameters.lora.alpha'),
          dropout: ruled(l.dropout, 'hyperparameters.lora.dropout'),
          trainableModules: z.array(z.string()).refine((m) => new Set(m).size === m.length, {
            error: (i) => `hyperparameters.lora.trainableModules: ${formatValue(i.input)} names a module more than once`,
          }),
        })
        .nullish(),
    })
    .nullish(),
});

/** Every problem of `args`, or the request to send. Reads base models, the dataset and its files. */
export async function validateJobInput(args: CreateJobArgs, loaders: Loaders): Promise<{ ok: true; job: NormalizedJob } | { ok: false; problems: Problem[] }> {
  const problems: Problem[] = [];
  const parsed = inputSchema.safeParse(args);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: fieldOf(issue.path), message: issue.message });
  }

  const hp = args.hyperparameters ?? undefined;
  const batchSize = hp?.batchSize ?? DEFAULT_BATCH_SIZE;
  const baseModelId = String(args.baseModelId);
  const datasetId = String(args.dataset.id);

  const [modelProblems, datasetProblems] = await Promise.all([
    checkBaseModel(loaders, baseModelId, batchSize),
    checkDataset(loaders, datasetId, args.dataset),
  ]);
  problems.push(...modelProblems, ...datasetProblems);
  if (problems.length > 0) return { ok: false, problems };

  const lora = hp?.lora ?? undefined;
  return {
    ok: true,
    job: {
      name: args.name,
      baseModelId,
      dataset: { id: datasetId, promptColumn: args.dataset.promptColumn ?? null, answerColumn: args.dataset.answerColumn },
      hyperparameters: {
        nEpochs: hp?.nEpochs ?? h.nEpochs.default,
        nEvals: hp?.nEvals ?? h.nEvals.default,
        batchSize,
        learningRate: hp?.learningRate ?? h.learningRate.default,
        warmupRatio: hp?.warmupRatio ?? h.warmupRatio.default,
        weightDecay: hp?.weightDecay ?? h.weightDecay.default,
        bestCheckpoints: hp?.bestCheckpoints ?? false,
        maskPromptLabels: hp?.maskPromptLabels ?? false,
        lora: {
          enabled: lora?.enabled ?? true,
          r: lora?.r ?? l.r.default,
          alpha: lora?.alpha ?? l.alpha.default,
          dropout: lora?.dropout ?? l.dropout.default,
          trainableModules: lora?.trainableModules ?? [],
        },
      },
    },
  };
}

async function checkBaseModel(loaders: Loaders, id: string, batchSize: number): Promise<Problem[]> {
  if (id.trim() === '') return [];
  const model = await loaders.baseModel.load(id);
  if (!model) return [{ field: 'baseModelId', message: `baseModelId: ${formatValue(id)} is not a known base model (see the baseModels query)` }];
  if (Number.isInteger(batchSize) && !model.supportedBatchSizes.includes(batchSize)) {
    return [{
      field: 'hyperparameters.batchSize',
      message: `hyperparameters.batchSize: ${batchSize} is not one of ${describeBatchSizes(model.supportedBatchSizes)} for ${model.name}`,
    }];
  }
  return [];
}

async function checkDataset(loaders: Loaders, id: string, columns: CreateJobArgs['dataset']): Promise<Problem[]> {
  if (id.trim() === '') return [];
  const dataset = await orNotFound(loaders.dataset.load(id));
  if (!dataset) return [{ field: 'dataset.id', message: `dataset.id: ${formatValue(id)} is not a dataset of this organization` }];

  const fileIds = [dataset.trainingFileId, ...(dataset.validationFileId ? [dataset.validationFileId] : [])];
  const files = await Promise.all(fileIds.map((fileId) => orNotFound(loaders.file.load(fileId))));
  const problems: Problem[] = [];
  const wanted: Array<[string, string | null | undefined]> = [
    ['dataset.answerColumn', columns.answerColumn],
    ['dataset.promptColumn', columns.promptColumn],
  ];
  files.forEach((file, index) => {
    const role = index === 0 ? 'training' : 'validation';
    if (!file) {
      problems.push({ field: 'dataset.id', message: `dataset.id: the ${role} file ${formatValue(fileIds[index])} of dataset ${formatValue(id)} no longer exists` });
      return;
    }
    if (!file.columns) return; // The upstream has not read the file yet; it checks the columns itself.
    const names = file.columns.map((c) => c.name);
    for (const [field, column] of wanted) {
      if (column == null || column.trim() === '' || names.includes(column)) continue;
      problems.push({
        field,
        message: `${field}: ${formatValue(column)} is not a column of the ${role} file ${formatValue(file.name)} (columns: ${names.map((n) => formatValue(n)).join(', ')})`,
      });
    }
  });
  return problems;
}

/** A NOT_FOUND (or another tenant's id, which the upstream answers alike) as null; other failures stay failures. */
async function orNotFound<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (isUpstreamError(error) && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) return null;
    throw error;
  }
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.filter((p) => typeof p !== 'number').map(String).join('.');
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
