/**
 * A new job: upload the CSV files (with upload progress), pick the columns from their preview, pick a
 * base model and its batch size, set hyperparameters (the chosen model's limits as hints and checks), see the cost
 * estimate as the inputs settle, the pre-flight report of the files (`analyzeDataset`), and every
 * problem the gateway finds beside its field.
 *
 * The reducer holds what the user did; the rest is derived on each render, and each answer of the
 * gateway (dataset, estimate, pre-flight, start) is kept with the inputs it answers, so none is reset by hand.
 *
 * The form follows the provider's capabilities: without datasets (Together) there is no dataset step
 * (the uploaded files' ids go in `files`, and the estimate needs no commit), and without a price
 * estimate a job starts unpriced. The pre-flight check (`analyzeDataset`) serves datasets' providers
 * (Nscale) only so far: elsewhere it is not asked.
 */
import { useReducer } from 'preact/hooks';
import type { ProviderInfo } from '../use-providers';
import { analysisRequest } from './analysis-request';
import { CostCard } from './cost-card';
import { DataCard } from './data-card';
import { deriveForm } from './derive-form';
import { HyperparametersCard } from './hyperparameters-card';
import { jobInput, type TrainingSource } from './job-input';
import { ModelCard } from './model-card';
import { NEW_JOB, newJobReducer } from './new-job-state';
import { PreflightCard } from './preflight-card';
import { mergeProblems } from './problems';
import { useBaseModels } from './use-base-models';
import { useDataset } from './use-dataset';
import { useDatasetAnalysis } from './use-dataset-analysis';
import { useEstimate } from './use-estimate';
import { useStartJob } from './use-start-job';

export function NewJobPage({ capabilities }: { capabilities: ProviderInfo['capabilities'] | null }) {
  const files = capabilities?.datasets === false;
  const priced = capabilities?.priceEstimate !== false;
  const [state, dispatch] = useReducer(newJobReducer, NEW_JOB);
  const models = useBaseModels();
  const training = state.training?.file ?? null;
  const dataset = useDataset(training, state.validation?.file ?? null, state.committed && !files);
  const form = deriveForm(state, models.models);
  const source: TrainingSource = files ? { kind: 'files' } : { kind: 'dataset', id: dataset.id };
  const job = jobInput(state, form, source);
  const valid = job.input !== null && Object.keys(job.local).length === 0;
  const estimate = useEstimate(valid && priced ? job.input : null);
  const analysis = files ? null : analysisRequest(state, form, dataset, job.local);
  const preflight = useDatasetAnalysis(analysis, form.batchSize);
  const start = useStartJob(job.input, dataset.keep);
  const problems = mergeProblems(
    models.problems,
    dataset.problems,
    job.local,
    estimate.problems,
    start.problems,
    preflight.problems,
  );
  const submit = (event: Event) => {
    event.preventDefault();
    void start.start();
  };

  return (
    <form class="new-job" onSubmit={submit} noValidate>
      <h1>New job</h1>
      <DataCard {...{ state, form, problems, dispatch, files }} />
      {/* ANALYZE-DATASET PANEL: the pre-flight report of the chosen files (Query.analyzeDataset). */}
      {state.training && !files ? <PreflightCard preflight={preflight} /> : null}
      <ModelCard {...{ state, form, problems, dispatch }} models={models.models} />
      <HyperparametersCard {...{ state, form, problems, dispatch }} />
      <CostCard
        estimate={estimate}
        problems={problems}
        uploaded={state.training !== null}
        committed={state.committed || files}
        preparing={state.committed && !files && state.training !== null && !dataset.settled}
        priced={priced}
        canEstimate={state.training !== null && Object.keys(job.local).length === 0}
        onEstimate={() => dispatch({ type: 'commit' })}
        canStart={valid && (estimate.estimate !== null || !priced)}
        starting={start.starting}
      />
    </form>
  );
}
