/**
 * The pre-flight report (`Query.analyzeDataset`) of the chosen files, run again once what it depends
 * on has settled: the files, the base model, the columns, and the epochs and evaluations that price
 * it. Each run sends the files again (the gateway keeps nothing of them); a change to anything else
 * (learning rate, LoRA, …) does not re-send them, and a run overtaken by newer inputs is aborted.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, upload } from './api';
import type { AnalyzeDatasetQuery } from './gql/graphql';
import { AnalyzeDataset } from './operations';

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

export interface AnalysisState {
  analysis: Analysis | null;
  /** Upload progress of the running check (0–1), or null when none runs. */
  sending: number | null;
  /** Its problems by the new-job form's field names ("dataset.answerColumn", "trainingFile", …). */
  problems: Record<string, string[]>;
}

const ANALYZE_DELAY_MS = 500;

/** analyzeDataset's input fields, as the new-job form names the same fields. */
const FORM_FIELD: Record<string, string> = {
  answerColumn: 'dataset.answerColumn',
  promptColumn: 'dataset.promptColumn',
  compareWithDatasetId: 'dataset.id',
  input: '',
};

function byFormField(error: unknown): Record<string, string[]> {
  if (!(error instanceof ApiError)) return { '': [String(error)] };
  const fields: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(error.byField()))
    (fields[FORM_FIELD[field] ?? field] ??= []).push(...messages);
  return fields;
}

/** `batchSize` is sent as it is when a run starts, but a change to it alone does not start one. */
export function useDatasetAnalysis(request: AnalysisRequest | null, batchSize: number): AnalysisState {
  const [state, setState] = useState<AnalysisState>({ analysis: null, sending: null, problems: {} });
  const batch = useRef(batchSize);
  batch.current = batchSize;
  const r = request;

  useEffect(() => {
    if (!r) {
      setState({ analysis: null, sending: null, problems: {} });
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      setState((s) => ({ ...s, sending: 0 }));
      const hyperparameters = {
        batchSize: batch.current,
        ...(r.nEpochs === undefined ? {} : { nEpochs: r.nEpochs }),
        ...(r.nEvals === undefined ? {} : { nEvals: r.nEvals }),
      };
      const input = {
        trainingFile: r.training,
        validationFile: r.validation,
        baseModelId: r.baseModelId,
        promptColumn: r.promptColumn,
        answerColumn: r.answerColumn,
        hyperparameters,
        compareWithDatasetId: r.compareWithDatasetId,
      };
      try {
        const onProgress = (fraction: number) =>
          !abort.signal.aborted && setState((s) => ({ ...s, sending: fraction }));
        const { analyzeDataset } = await upload(AnalyzeDataset, { input }, onProgress, abort.signal);
        if (!abort.signal.aborted) setState({ analysis: analyzeDataset, sending: null, problems: {} });
      } catch (error) {
        if (!abort.signal.aborted) setState({ analysis: null, sending: null, problems: byFormField(error) });
      }
    }, ANALYZE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [
    r?.training,
    r?.validation,
    r?.baseModelId,
    r?.promptColumn,
    r?.answerColumn,
    r?.nEpochs,
    r?.nEvals,
    r?.compareWithDatasetId,
  ]);

  return state;
}
