/**
 * The pre-flight report (`Query.analyzeDataset`) of the chosen files, run again once what it depends
 * on has settled: the files, the base model, the columns, and the epochs and evaluations that price
 * it. Each run sends the files again (the gateway keeps nothing of them); a change to anything else
 * (learning rate, LoRA, …) does not re-send them, and a run overtaken by newer inputs is aborted.
 * While a run for the same files goes, the last report stays on screen; a report of other files never shows.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, upload } from '../api';
import type { AnalyzeDatasetInput, AnalyzeDatasetQuery } from '../gql/graphql';
import { AnalyzeDataset } from './operations';
import type { FieldPath } from './field-path';
import { NO_PROBLEMS, type Problems } from './problems';

export type Analysis = AnalyzeDatasetQuery['analyzeDataset'];

export interface AnalysisRequest {
  training: File;
  validation: File | null;
  baseModelId: string;
  promptColumn: string | null;
  answerColumn: string;
  nEpochs: number | undefined;
  nEvals: number | undefined;
  /** A dataset made of the same files: the upstream's dry run is shown beside the local figure. */
  compareWithDatasetId: string | null;
}

type Settings = Omit<AnalysisRequest, 'training' | 'validation'>;

export interface AnalysisState {
  analysis: Analysis | null;
  /** Upload progress of the running check (0–1), or null when none runs. */
  sending: number | null;
  /** Its problems by the new-job form's field names ("dataset.answerColumn", "trainingFile", …). */
  problems: Problems;
}

const ANALYZE_DELAY_MS = 500;
const IDLE: AnalysisState = { analysis: null, sending: null, problems: NO_PROBLEMS };

/** analyzeDataset's input fields (and the argument itself), as the new-job form names the same fields. */
const FORM_FIELD: Partial<Record<keyof AnalyzeDatasetInput | 'input', FieldPath | ''>> = {
  answerColumn: 'dataset.answerColumn',
  promptColumn: 'dataset.promptColumn',
  compareWithDatasetId: 'dataset.id',
  input: '',
};

function byFormField(error: unknown): Problems {
  if (!(error instanceof ApiError)) return { '': [String(error)] };
  const fields: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(error.byField()))
    (fields[FORM_FIELD[field as keyof typeof FORM_FIELD] ?? field] ??= []).push(...messages);
  return fields;
}

type Update = (next: (previous: AnalysisState) => AnalysisState) => void;

async function analyze(
  files: { training: File; validation: File | null },
  settings: Settings,
  batchSize: number | null,
  signal: AbortSignal,
  update: Update,
) {
  update((s) => ({ ...s, sending: 0 }));
  const { nEpochs, nEvals, compareWithDatasetId, ...columns } = settings;
  const input: AnalyzeDatasetInput = {
    trainingFile: files.training,
    validationFile: files.validation,
    ...columns,
    hyperparameters: {
      ...(batchSize === null ? {} : { batchSize }),
      ...(nEpochs === undefined ? {} : { nEpochs }),
      ...(nEvals === undefined ? {} : { nEvals }),
    },
    compareWithDatasetId,
  };
  try {
    const onProgress = (fraction: number) => update((s) => ({ ...s, sending: fraction }));
    const { analyzeDataset } = await upload(AnalyzeDataset, { input }, onProgress, signal);
    update(() => ({ analysis: analyzeDataset, sending: null, problems: NO_PROBLEMS }));
  } catch (error) {
    update(() => ({ analysis: null, sending: null, problems: byFormField(error) }));
  }
}

interface Shown {
  training: File;
  validation: File | null;
  state: AnalysisState;
}

/** `batchSize` is sent as it is when a run starts, but a change to it alone does not start one. */
export function useDatasetAnalysis(request: AnalysisRequest | null, batchSize: number | null): AnalysisState {
  const batchSizeRef = useRef(batchSize);
  useEffect(() => {
    batchSizeRef.current = batchSize;
  }, [batchSize]);
  const training = request?.training ?? null;
  const validation = request?.validation ?? null;
  // Everything but the files, compared by value: a new request object with the same settings starts no run.
  const settings = request ? JSON.stringify({ ...request, training: undefined, validation: undefined }) : null;
  const [shown, setShown] = useState<Shown | null>(null);

  useEffect(() => {
    if (!training || settings === null) return;
    const abort = new AbortController();
    const ofThese = (s: Shown | null) => (s && s.training === training && s.validation === validation ? s.state : IDLE);
    const update: Update = (next) => {
      if (!abort.signal.aborted) setShown((s) => ({ training, validation, state: next(ofThese(s)) }));
    };
    const files = { training, validation };
    const run = () => analyze(files, JSON.parse(settings) as Settings, batchSizeRef.current, abort.signal, update);
    const timer = setTimeout(() => void run(), ANALYZE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [training, validation, settings]);

  if (!request || !shown || shown.training !== training || shown.validation !== validation) return IDLE;
  return shown.state;
}
