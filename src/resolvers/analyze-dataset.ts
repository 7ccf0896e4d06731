/**
 * `analyzeDataset`: the input checked as `createJob` checks it (base model, columns, hyperparameters),
 * the uploaded files analysed as they stream in (src/preflight), and, when the caller names a dataset
 * already uploaded with the same data, the upstream's dry run beside the local figure.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { GraphQLError } from 'graphql';
import { ACCEPTED_FORMAT } from '../contract/file-format.js';
import { analyzeDataset, type AnalyzeDatasetOptions, type DatasetFile } from '../preflight/analyze-dataset.js';
import { AnalysisRefused } from '../preflight/analysis-admission.js';
import { AnalysisInputError } from '../preflight/input-error.js';
import type { DatasetReport } from '../preflight/report.js';
import type { TokenPool } from '../preflight/token-pool.js';
import { badUserInput } from '../errors/bad-user-input.js';
import { gatewayError } from '../errors/gateway-error.js';
import { InputProblems, type Problem } from '../errors/input-problems.js';
import { togetherAnalysisPlan } from './analyze-together-dataset.js';
import type { GatewayContext } from './context.js';
import { togetherSession } from './together-session.js';
import { refusedByProvider, withNscaleBatchSize, type JobArgs } from './job-args.js';
import type { UploadedFile } from './upload.js';
import { validateJobInput } from './validate-job-input.js';

export interface PreflightService {
  pool: TokenPool;
  /** Largest file analysed, in bytes. */
  maxBytes: number;
  /** Distinct rows remembered per file for duplicate detection (ANALYZE_DUPLICATE_ROWS). */
  duplicateRows?: number;
}

export interface AnalyzeDatasetArgs {
  trainingFile: UploadedFile;
  validationFile?: UploadedFile | null;
  baseModelId: string | number;
  promptColumn?: string | null;
  answerColumn: string;
  hyperparameters: JobArgs['hyperparameters'];
  compareWithDatasetId?: string | number | null;
}

export interface UpstreamComparison {
  datasetId: string;
  tokens: number;
  cost: number;
  matchesLocal: boolean;
}

export type AnalyzedDataset = DatasetReport & { upstream: UpstreamComparison | null };

/** Refusals that mean "this is not a CSV file": they say which format the service takes. */
const NOT_CSV = new Set(['BINARY', 'NOT_UTF8', 'BAD_HEADER']);

/**
 * The analysis names its fields by their path (`input.trainingFile: …`); every input error of the API
 * starts with the name `extensions.field` holds (`trainingFile: …`), as createJob's do.
 */
function asGraphQLError(error: AnalysisInputError, jsonLines: string | undefined): GraphQLError {
  const named = /^input\.(\w+): /.exec(error.message);
  const field = named?.[1] ?? 'input';
  const reason = named ? error.message.slice(named[0].length) : error.message;
  // The parser's words about a JSON file ("Invalid Opening Quote … value is "{"") tell a user nothing.
  const json = error.code === 'BAD_HEADER' && /^not a valid CSV file: .*value is "[[{]/.test(reason);
  if (json && jsonLines !== undefined) return badUserInput(field, `${field}: ${jsonLines}`);
  const said = json ? 'not a valid CSV file: it reads like JSON or JSON Lines' : reason;
  return badUserInput(field, `${field}: ${said}${NOT_CSV.has(error.code) ? `; ${ACCEPTED_FORMAT}` : ''}`);
}

export async function resolveAnalyzeDataset(
  args: AnalyzeDatasetArgs,
  ctx: GatewayContext,
  preflight: PreflightService,
): Promise<AnalyzedDataset> {
  if (togetherSession(ctx)) {
    const plan = await togetherAnalysisPlan(args, ctx);
    return { ...(await runAnalysis(args, ctx, preflight, plan)), upstream: null };
  }
  ctx.credentials(); // Nscale's credentials, checked before anything is read.
  const compareWith = args.compareWithDatasetId == null ? null : String(args.compareWithDatasetId);
  const checked = await checkNscaleInput(args, ctx, compareWith);
  // Here every problem left was the placeholder dataset's: the hyperparameters are valid as given.
  const nEpochs = checked.ok ? checked.job.hyperparameters.nEpochs : args.hyperparameters.nEpochs;
  const nEvals = checked.ok ? checked.job.hyperparameters.nEvals : args.hyperparameters.nEvals;
  const model = (await ctx.loaders().baseModel.load(String(args.baseModelId)))!;
  // Nscale's catalogue always gives a context length (its wire schema requires it).
  const plan = { baseModelId: model.id, baseModelName: model.name, contextLength: model.contextLength ?? 0 };
  const report = await runAnalysis(args, ctx, preflight, { ...plan, nEpochs, nEvals });
  let upstream: UpstreamComparison | null = null;
  if (compareWith !== null && checked.ok) {
    const estimate = await ctx.services.client.estimateJob(ctx.credentials(), checked.job, ctx.call);
    upstream = {
      datasetId: compareWith,
      ...estimate,
      matchesLocal: estimate.tokens === report.cost.tokens && estimate.cost === report.cost.cost,
    };
  }
  return { ...report, upstream };
}

/**
 * The input checked as `createJob` and `costEstimate` check it on Nscale (`checkedJob`): what the
 * provider cannot honour (Together's settings), then the job's own rules, every problem at once, each
 * named by analyzeDataset's own field. The dataset is the one to compare with, or a placeholder.
 */
async function checkNscaleInput(
  args: AnalyzeDatasetArgs,
  ctx: GatewayContext,
  compareWith: string | null,
): Promise<Awaited<ReturnType<typeof validateJobInput>>> {
  const dataset = { id: compareWith ?? '-', promptColumn: args.promptColumn ?? null, answerColumn: args.answerColumn };
  const job = { name: 'pre-flight analysis', baseModelId: args.baseModelId, dataset };
  const refused = refusedByProvider({ ...job, hyperparameters: args.hyperparameters }, 'nscale');
  const checked = await validateJobInput(
    { ...job, hyperparameters: withNscaleBatchSize(args.hyperparameters) },
    ctx.loaders(),
  );
  // With no dataset to compare with, the placeholder id is not a problem of the caller's.
  const problems = [...refused, ...(checked.ok ? [] : checked.problems)]
    .filter((p) => compareWith !== null || p.field !== 'dataset.id')
    .map(ownField);
  if (problems.length > 0) throw new InputProblems(problems);
  return checked;
}

/** The placeholder dataset's id is analyzeDataset's `compareWithDatasetId`, when there is one to compare with. */
function ownField(p: Problem): Problem {
  if (p.field !== 'dataset.id') return p;
  return { field: 'compareWithDatasetId', message: p.message.replace(/^dataset\.id/, 'compareWithDatasetId') };
}

/** What the provider decides of an analysis: the model, the settings priced, and (Together) its price and hold-out. */
export type AnalysisPlan = Pick<
  AnalyzeDatasetOptions,
  | 'baseModelId'
  | 'baseModelName'
  | 'contextLength'
  | 'cutAtContext'
  | 'provider'
  | 'nEpochs'
  | 'nEvals'
  | 'holdOut'
  | 'price'
> & {
  /** What to say of a file that reads like JSON Lines, where the provider takes them (Together). */
  jsonLines?: string;
};

/**
 * Whose share of the analysis pool an analysis takes: the caller as the gateway resolved it (provider,
 * organization, token), as the response cache keys callers; a hash, so the token is not kept.
 */
function analysisCaller(ctx: GatewayContext): string {
  const { provider, credentials } = ctx.session();
  const parts = [provider.api.name, credentials.organizationId ?? '', credentials.token];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/** A place in the analysis pool for this caller, or RATE_LIMITED (HTTP 429) saying why not and when to retry. */
async function admitted(ctx: GatewayContext, preflight: PreflightService): Promise<() => void> {
  try {
    return await preflight.pool.admit(analysisCaller(ctx), ctx.call.signal);
  } catch (error) {
    if (!(error instanceof AnalysisRefused)) throw error;
    const retry = String(error.retryAfterSeconds);
    throw gatewayError('RATE_LIMITED', error.message, {
      limitedBy: 'gateway',
      retryAfterSeconds: error.retryAfterSeconds,
      http: { status: 429, headers: { 'Retry-After': retry } },
    });
  }
}

/**
 * The files analysed as they stream in, once the caller has a place in the pool (none of its parts is
 * read before); an upload cut at the limit, or a file that cannot be read, is the error.
 */
async function runAnalysis(
  args: AnalyzeDatasetArgs,
  ctx: GatewayContext,
  preflight: PreflightService,
  plan: AnalysisPlan,
): Promise<DatasetReport> {
  const release = await admitted(ctx, preflight);
  const opened: Readable[] = [];
  const file = (upload: UploadedFile): DatasetFile => ({
    fileName: upload.filename,
    open: async () => {
      const stream = await upload.open();
      opened.push(stream);
      return stream;
    },
  });
  try {
    const { jsonLines: _, ...options } = plan;
    return await analyzeDataset({
      ...options,
      training: file(args.trainingFile),
      validation: args.validationFile ? file(args.validationFile) : null,
      promptColumn: args.promptColumn ?? null,
      answerColumn: args.answerColumn,
      maxBytes: preflight.maxBytes,
      ...(preflight.duplicateRows !== undefined ? { duplicateRows: preflight.duplicateRows } : {}),
      pool: preflight.pool,
      ...(ctx.call.signal ? { signal: ctx.call.signal } : {}),
    });
  } catch (error) {
    // A file cut off at the gateway's upload limit fails its stream: the limit is the reason to report.
    const cut = args.trainingFile.failure() ?? args.validationFile?.failure();
    if (cut) throw cut;
    if (error instanceof AnalysisInputError) throw asGraphQLError(error, plan.jsonLines);
    throw error;
  } finally {
    release();
    for (const stream of opened) stream.resume(); // Whatever was not read is drained, so that the request body ends.
  }
}
