/**
 * Checks a would-be job in full before anything reaches `POST /jobs` (a job costs at least $2).
 *
 * Two passes: the rules that need nothing but the input (ranges of the seed, LoRA only), written as
 * one zod schema so that every problem is reported, not just the first; then the rules that need the
 * upstream (the base model exists and supports the batch size, the dataset exists, its files have the
 * named columns), read through the caller's loaders. The result is every problem with its field path
 * and a message naming the value and the rule, or the request to send.
 *
 * The input arrives complete: the GraphQL input's defaults (schema/hyperparameters.ts) are the only
 * ones, so nothing is filled here but `maskPromptLabels`, whose default is the training method's
 * (supervised training's, the only one here) and so not the input's. A problem's `field` and the prefix of its message are its path in
 * the input, taken from zod's issue path (or, for the upstream pass, from the same path notation).
 */
import { z } from 'zod';
import {
  DEFAULT_MASK_PROMPT_LABELS,
  describeBatchSizes,
  describeRule,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  satisfiesRule,
  type NumericRule,
} from '../contract/hyperparameters.js';
import type { Problem } from '../errors/input-problems.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { CreateJobInput } from '../upstream/schemas.js';
import type { Loaders } from './loaders.js';

/** The GraphQL input after coercion: complete, since every field has its default in the schema. */
export interface CreateJobArgs {
  name: string;
  baseModelId: string | number;
  dataset: { id: string | number; promptColumn?: string | null; answerColumn: string };
  hyperparameters: {
    nEpochs: number;
    nEvals: number;
    batchSize: number;
    learningRate: number;
    warmupRatio: number;
    weightDecay: number;
    bestCheckpoints: boolean;
    /** Omitted or null: the training method's default (schema/hyperparameters.ts): false for SFT, Nscale's only method. */
    maskPromptLabels?: boolean | null;
    lora: { enabled: boolean; r: number; alpha: number; dropout: number; trainableModules: string[] };
  };
}

export type NormalizedJob = CreateJobInput & { hyperparameters: CreateJobArgs['hyperparameters'] };

// Messages below hold the value and the rule; `problem` puts the field's path in front.
const ruled = (rule: NumericRule) =>
  z.number().refine((value) => satisfiesRule(rule, value), {
    error: (issue) => `${formatValue(issue.input)} is not ${describeRule(rule)}`,
  });

const nonBlank = () => z.string().refine((value) => value.trim() !== '', { error: () => 'must not be empty' });

const h = HYPERPARAMETER_RULES;
const l = LORA_RULES;

/** LoRA's modules, each named once: a rule of every provider's (Together's check, validate-together-job.ts, reuses it). */
export const uniqueTrainableModules = z.array(z.string()).refine((m) => new Set(m).size === m.length, {
  error: (i) => `${formatValue(i.input)} names a module more than once`,
});

const inputSchema = z.object({
  name: nonBlank(),
  baseModelId: z.coerce.string().pipe(nonBlank()),
  dataset: z
    .object({
      id: z.coerce.string().pipe(nonBlank()),
      promptColumn: z
        .string()
        .nullish()
        .refine((v) => v == null || v.trim() !== '', {
          error: () => 'must not be empty (omit it to train without a prompt column)',
        }),
      answerColumn: nonBlank(),
    })
    .superRefine((dataset, ctx) => {
      if (dataset.promptColumn != null && dataset.promptColumn === dataset.answerColumn) {
        ctx.addIssue({
          code: 'custom',
          path: ['promptColumn'],
          message: `${formatValue(dataset.promptColumn)} is also the answer column; the prompt and the answer must be different columns`,
        });
      }
    }),
  hyperparameters: z.object({
    nEpochs: ruled(h.nEpochs),
    nEvals: ruled(h.nEvals),
    batchSize: z.number().int({ error: (i) => `${formatValue(i.input)} is not an integer` }),
    learningRate: ruled(h.learningRate),
    warmupRatio: ruled(h.warmupRatio),
    weightDecay: ruled(h.weightDecay),
    bestCheckpoints: z.boolean(),
    // Omitted: supervised training's default, the only training on Nscale.
    maskPromptLabels: z
      .boolean()
      .nullish()
      .transform((v) => v ?? DEFAULT_MASK_PROMPT_LABELS),
    lora: z.object({
      enabled: z.boolean().refine((v) => v, {
        error: () => 'false is not supported: only LoRA fine-tuning is offered (full fine-tuning is not available yet)',
      }),
      r: ruled(l.r),
      alpha: ruled(l.alpha),
      dropout: ruled(l.dropout),
      trainableModules: uniqueTrainableModules,
    }),
  }),
});

/** Every problem of `args`, or the request to send. Reads base models, the dataset and its files. */
export async function validateJobInput(
  args: CreateJobArgs,
  loaders: Loaders,
): Promise<{ ok: true; job: NormalizedJob } | { ok: false; problems: Problem[] }> {
  const parsed = inputSchema.safeParse(args);
  const problems: Problem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => problem(issue.path, issue.message));

  const baseModelId = String(args.baseModelId);
  const datasetId = String(args.dataset.id);
  const [modelProblems, datasetProblems] = await Promise.all([
    checkBaseModel(loaders, baseModelId, args.hyperparameters.batchSize),
    checkDataset(loaders, datasetId, args.dataset),
  ]);
  problems.push(...modelProblems, ...datasetProblems);
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const { dataset } = parsed.data;
  return { ok: true, job: { ...parsed.data, dataset: { ...dataset, promptColumn: dataset.promptColumn ?? null } } };
}

/** A problem at `path` in the input: its field is the path, and the message starts with it. */
function problem(path: readonly PropertyKey[], message: string): Problem {
  const field = path
    .filter((p) => typeof p !== 'number')
    .map(String)
    .join('.');
  return { field, message: `${field}: ${message}` };
}

async function checkBaseModel(loaders: Loaders, id: string, batchSize: number): Promise<Problem[]> {
  if (id.trim() === '') return [];
  const model = await loaders.baseModel.load(id);
  if (!model)
    return [problem(['baseModelId'], `${formatValue(id)} is not a known base model (see the baseModels query)`)];
  if (Number.isInteger(batchSize) && !model.supportedBatchSizes.includes(batchSize)) {
    return [
      problem(
        ['hyperparameters', 'batchSize'],
        `${batchSize} is not one of ${describeBatchSizes(model.supportedBatchSizes)} for ${model.name}`,
      ),
    ];
  }
  return [];
}

async function checkDataset(loaders: Loaders, id: string, columns: CreateJobArgs['dataset']): Promise<Problem[]> {
  if (id.trim() === '') return [];
  const dataset = await orNotFound(loaders.datasetById.load(id));
  if (!dataset) return [problem(['dataset', 'id'], `${formatValue(id)} is not a dataset of this organization`)];

  const fileIds = [dataset.trainingFileId, ...(dataset.validationFileId ? [dataset.validationFileId] : [])];
  const files = await Promise.all(fileIds.map((fileId) => orNotFound(loaders.file.load(fileId))));
  const problems: Problem[] = [];
  const wanted: Array<[keyof CreateJobArgs['dataset'], string | null | undefined]> = [
    ['answerColumn', columns.answerColumn],
    ['promptColumn', columns.promptColumn],
  ];
  files.forEach((file, index) => {
    const role = index === 0 ? 'training' : 'validation';
    if (!file) {
      problems.push(
        problem(
          ['dataset', 'id'],
          `the ${role} file ${formatValue(fileIds[index])} of dataset ${formatValue(id)} no longer exists`,
        ),
      );
      return;
    }
    if (!file.columns) return; // The upstream has not read the file yet; it checks the columns itself.
    const names = file.columns.map((c) => c.name);
    for (const [key, column] of wanted) {
      if (column == null || column.trim() === '' || names.includes(column)) continue;
      const listed = names.map((n) => formatValue(n)).join(', ');
      problems.push(
        problem(
          ['dataset', key],
          `${formatValue(column)} is not a column of the ${role} file ${formatValue(file.name)} (columns: ${listed})`,
        ),
      );
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

function formatValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
