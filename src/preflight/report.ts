/** The shape of a pre-flight report: what the analysis found in one file and in the dataset. */
import type { ChatTemplate } from '../contract/chat-templates.js';
import type { TokenizerSource } from '../contract/tokenizers.js';

export type RowProblemKind = 'EMPTY_ANSWER' | 'MISSING_COLUMN' | 'EXTRA_FIELDS' | 'UNPARSABLE';

export interface RowProblem {
  kind: RowProblemKind;
  /** Data row number (1 = first row after the header). */
  row: number;
  /** Line of the file where the row ends. */
  line: number;
  message: string;
}

export interface RowTokensAt {
  row: number;
  tokens: number;
}

export interface HistogramBucket {
  /** Inclusive lower bound, in tokens. */
  fromTokens: number;
  /** Inclusive upper bound; null for the last, open bucket. */
  toTokens: number | null;
  rows: number;
}

export interface TokenTotals {
  prompt: number;
  answer: number;
  template: number;
  total: number;
}

export interface FileReport {
  fileName: string;
  bytes: number;
  /** Data rows read (the header not included), usable or not. */
  rowsRead: number;
  /** Rows that are trained on: parsed, with both columns and a non-empty answer. */
  usableRows: number;
  problemCount: number;
  /** The first problems, in row order (all are counted in `problemCount`). */
  problems: RowProblem[];
  duplicateCount: number;
  /** The first duplicates: `row` repeats `duplicateOf` (same prompt and answer). */
  duplicates: { row: number; duplicateOf: number }[];
  tokens: TokenTotals;
  histogram: HistogramBucket[];
  /** The longest rows, longest first. */
  largestRows: RowTokensAt[];
  overContextCount: number;
  /** The first rows longer than the context length, in row order. */
  overContext: RowTokensAt[];
  /** Set when a quoting error stopped the reading: the rows after it were not analysed. */
  stoppedAt: RowProblem | null;
  /** Rows whose tokens were estimated from their start (longer than the context, or than the text kept). */
  estimatedRows: number;
  /** What the figures approximate, in words; empty when every figure is exact. */
  approximations: string[];
}

export interface SplitReport {
  /** Where the validation rows come from. */
  source: 'VALIDATION_FILE' | 'HOLD_OUT' | 'NONE';
  /** Usable rows trained on (the hold-out excluded): those `trainingTokens` counts. */
  trainingRows: number;
  /** Usable rows evaluated on (held out, or of the validation file): those `validationTokens` counts. */
  validationRows: number;
  /**
   * Rows the service holds out of the training file when there is no validation file: its last 1%
   * (at least one), taken by position, usable or not; only the usable ones are `validationRows`.
   */
  heldOutRows: number;
  trainingTokens: number;
  validationTokens: number;
}

export interface CostReport {
  nEpochs: number;
  nEvals: number;
  pricePerMillionTokens: number;
  priceSource: string;
  tokens: number;
  cost: number;
  minimumApplied: boolean;
  explanation: string;
}

export interface DatasetReport {
  baseModelId: string;
  contextLength: number;
  tokenizer: TokenizerSource;
  template: ChatTemplate;
  training: FileReport;
  validation: FileReport | null;
  split: SplitReport;
  cost: CostReport;
}
