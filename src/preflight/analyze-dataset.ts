/**
 * The pre-flight analysis of a dataset for one base model: each file analysed as it streams in, the
 * training/validation split the service would make (its 1% hold-out when there is no validation
 * file), and the cost by the contract's rule. Counting follows `src/contract/row-tokens.ts`, the rule
 * the simulator bills by, so this figure and the simulator's dry run agree to the token.
 */
import type { Readable } from 'node:stream';
import { chatTemplateFor } from '../contract/chat-templates.js';
import { heldOutRows } from '../contract/hold-out.js';
import { DEFAULT_PRICE_PER_MILLION_TOKENS, MINIMUM_JOB_COST_USD, computeCost } from '../contract/pricing.js';
import { TOKENIZER_SOURCES } from '../contract/tokenizers.js';
import { analyzeFile } from './analyze-file.js';
import type { FileOutcome, UploadProvider } from './file-analysis.js';
import { AnalysisInputError } from './input-error.js';
import type { CostReport, DatasetReport, SplitReport } from './report.js';
import type { TokenPool } from './token-pool.js';

export interface DatasetFile {
  fileName: string;
  /** Opened only when its turn comes, so a multipart request's parts are read in order. */
  open(): Promise<Readable>;
}

export interface AnalyzeDatasetOptions {
  baseModelId: string;
  /** The base model's name, for messages. */
  baseModelName?: string;
  contextLength: number;
  /**
   * Whether the service cuts a row at `contextLength` and bills only that (Together, at its
   * max_seq_length); otherwise a longer row is counted whole, and listed. @default false (Nscale)
   */
  cutAtContext?: boolean;
  /**
   * Whose upload the analysis predicts, to the token and to the refusal: Nscale's counts each cell
   * trimmed (the contract's row rule) and refuses a header with a blank or repeated name; Together's
   * is sent the cells as written by the gateway's CSV→JSONL conversion, so they are counted as such.
   * @default 'nscale'
   */
  provider?: UploadProvider;
  training: DatasetFile;
  validation: DatasetFile | null;
  promptColumn: string | null;
  answerColumn: string;
  nEpochs: number;
  nEvals: number;
  maxBytes: number;
  /** Distinct rows remembered per file for duplicate detection (ANALYZE_DUPLICATE_ROWS). */
  duplicateRows?: number;
  pool: TokenPool;
  signal?: AbortSignal;
  /** Whether the service holds out rows for evaluation when there is no validation file. @default true (Nscale's 1%) */
  holdOut?: boolean;
  /**
   * The price and its minimum; a minimum of 0 bills exactly (Together), otherwise in cents.
   * @default the contract's price table and its $2.00 minimum (Nscale)
   */
  price?: { perMillionTokens: number; source: string; minimumUsd: number };
}

/** The default of ANALYZE_DUPLICATE_ROWS. */
export const DEFAULT_DUPLICATE_ROWS = 2_000_000;

const usd = (n: number): string => `$${n.toFixed(2)}`;
// Together bills to the micro-dollar: a small job's fraction of a cent is shown as such.
const microUsd = (n: number): string => `$${Number(n.toFixed(6))}`;
const thousands = (n: number): string => n.toLocaleString('en-US');
/** Cents, and below a cent two significant digits ($0.00095): a small job's price is not "$0.00". */
const fine = (n: number): string =>
  n === 0 || n >= 0.01 ? usd(n) : `$${n.toFixed(Math.min(10, Math.ceil(-Math.log10(n)) + 1))}`;

/**
 * What the price leaves unsaid when a file as it stands would be refused by the upload: its rows at
 * fault are listed among the file's problems, and the figures count only the usable rows read.
 */
function refusalNote(training: FileOutcome, validation: FileOutcome | null): string {
  const refused = [
    ['training', training.uploadRefusal],
    ['validation', validation?.uploadRefusal ?? null],
  ].filter((entry): entry is [string, string] => entry[1] !== null);
  if (refused.length === 0) return '';
  const which = refused.map(([file, why]) => `the ${file} file (${why})`).join(' and ');
  return (
    `. As it stands the upload refuses ${which}: see the problems listed; these figures count only ` +
    `the usable rows read`
  );
}

function explain(cost: Omit<CostReport, 'explanation'>, split: SplitReport, minimumUsd: number): string {
  const parts =
    `${cost.nEpochs} epoch${cost.nEpochs === 1 ? '' : 's'} × ${thousands(split.trainingTokens)} ` +
    `training tokens + ${cost.nEvals} evaluation${cost.nEvals === 1 ? '' : 's'} × ` +
    `${thousands(split.validationTokens)} validation tokens = ${thousands(cost.tokens)} tokens`;
  const raw = (cost.tokens * cost.pricePerMillionTokens) / 1_000_000;
  const exact = minimumUsd === 0 ? microUsd : fine;
  const priced = `${parts} × ${usd(cost.pricePerMillionTokens)} per million tokens = ${exact(raw)}`;
  return cost.minimumApplied ? `${priced}, below the ${usd(minimumUsd)} minimum per job: ${usd(cost.cost)}` : priced;
}

export async function analyzeDataset(options: AnalyzeDatasetOptions): Promise<DatasetReport> {
  const template = chatTemplateFor(options.baseModelId);
  if (template === undefined) {
    throw new AnalysisInputError(
      'UNKNOWN_MODEL',
      `input.baseModelId: no tokenizer is known for ${JSON.stringify(options.baseModelName ?? options.baseModelId)}`,
    );
  }
  const common = {
    baseModelId: options.baseModelId,
    promptColumn: options.promptColumn,
    answerColumn: options.answerColumn,
    contextLength: options.contextLength,
    cutAtContext: options.cutAtContext ?? false,
    provider: options.provider ?? 'nscale',
    maxBytes: options.maxBytes,
    duplicateRows: options.duplicateRows ?? DEFAULT_DUPLICATE_ROWS,
    pool: options.pool,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const training = await analyzeFile(
    await options.training.open(),
    { ...common, fileName: options.training.fileName, label: 'input.trainingFile' },
    options.validation === null && options.holdOut !== false,
  );
  const validation =
    options.validation === null
      ? null
      : await analyzeFile(
          await options.validation.open(),
          { ...common, fileName: options.validation.fileName, label: 'input.validationFile' },
          false,
        );

  // The service holds out the last rows of the file by position, usable or not (so the tokens agree
  // with its dry run); the rows counted are those trained or evaluated on, as the tokens are.
  const holdOut = validation === null && options.holdOut !== false;
  const held = holdOut ? heldOutRows(training.report.rowsRead) : 0;
  const split: SplitReport = {
    source: validation !== null ? 'VALIDATION_FILE' : holdOut ? 'HOLD_OUT' : 'NONE',
    trainingRows: training.report.usableRows - training.heldOut.usableRows,
    validationRows: validation === null ? training.heldOut.usableRows : validation.report.usableRows,
    heldOutRows: held,
    trainingTokens: training.report.tokens.total - training.heldOut.tokens,
    validationTokens: validation === null ? training.heldOut.tokens : validation.report.tokens.total,
  };

  const price = options.price ?? {
    perMillionTokens: DEFAULT_PRICE_PER_MILLION_TOKENS[options.baseModelId] ?? 1,
    source: "the simulator's price table (src/contract/pricing.ts): the service publishes no per-model prices",
    minimumUsd: MINIMUM_JOB_COST_USD,
  };
  const pricePerMillionTokens = price.perMillionTokens;
  const billed = computeCost(
    {
      pricePerMillionTokens,
      nEpochs: options.nEpochs,
      nEvals: options.nEvals,
      trainingTokens: split.trainingTokens,
      validationTokens: split.validationTokens,
    },
    { minimumUsd: price.minimumUsd, cents: price.minimumUsd > 0 },
  );
  const cost = {
    nEpochs: options.nEpochs,
    nEvals: options.nEvals,
    pricePerMillionTokens,
    priceSource: price.source,
    ...billed,
  };
  return {
    baseModelId: options.baseModelId,
    contextLength: options.contextLength,
    tokenizer: TOKENIZER_SOURCES[template.family],
    template,
    training: training.report,
    validation: validation?.report ?? null,
    split,
    cost: { ...cost, explanation: explain(cost, split, price.minimumUsd) + refusalNote(training, validation) },
  };
}
