/**
 * What the pre-flight check is asked about, or null until it can run: once the training file is
 * uploaded, the model and answer column known (and the prompt column, or none, where the user has to choose it), and, once the user asked for the estimate, its dataset
 * answered (the upstream's dry run for it is then shown beside the local figure), and the epochs and evaluations (which price it) are numbers.
 */
import type { FormChoices } from './derive-form';
import type { DatasetState } from './use-dataset';
import { typedNumber } from './job-input';
import type { NewJobState } from './new-job-state';
import type { Problems } from './problems';
import type { AnalysisRequest } from './use-dataset-analysis';

export function analysisRequest(
  state: NewJobState,
  form: FormChoices,
  dataset: DatasetState,
  local: Problems,
): AnalysisRequest | null {
  if (!state.training || (state.committed && !dataset.settled) || !form.baseModelId || !form.answerColumn) return null;
  if (form.promptColumn === null) return null;
  if (local['hyperparameters.nEpochs'] || local['hyperparameters.nEvals']) return null;
  return {
    training: state.training.chosen,
    validation: state.validation?.chosen ?? null,
    baseModelId: form.baseModelId,
    promptColumn: form.promptColumn || null,
    answerColumn: form.answerColumn,
    nEpochs: typedNumber(state, 'hyperparameters.nEpochs'),
    nEvals: typedNumber(state, 'hyperparameters.nEvals'),
    compareWithDatasetId: dataset.id,
  };
}
