/** The form's model card: the job's name, the base model, and a batch size among those the model takes. */
import type { Dispatch } from 'preact/hooks';
import type { FormChoices } from './derive-form';
import { FieldProblem, problemId } from './field-problem';
import { fileStem, type NewJobAction, type NewJobState } from './new-job-state';
import type { Problems } from './problems';
import type { BaseModel } from './use-base-models';

interface Props {
  state: NewJobState;
  form: FormChoices;
  models: readonly BaseModel[];
  problems: Problems;
  dispatch: Dispatch<NewJobAction>;
}

export function ModelCard({ state, form, models, problems, dispatch }: Props) {
  return (
    <div class="card">
      <h2>Model</h2>
      <label>
        Job name
        <input
          value={state.name}
          placeholder={state.training ? fileStem(state.training.file.name) : ''}
          onInput={(e) => dispatch({ type: 'typed', field: 'name', value: e.currentTarget.value })}
          aria-describedby={problemId(problems, 'name')}
        />
        <FieldProblem problems={problems} field="name" />
      </label>
      <div class="grid">
        <label>
          Base model
          <select
            value={form.baseModelId}
            onChange={(e) => dispatch({ type: 'typed', field: 'baseModelId', value: e.currentTarget.value })}
            aria-describedby={problemId(problems, 'baseModelId')}
          >
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.organization})
              </option>
            ))}
          </select>
          <FieldProblem problems={problems} field="baseModelId" />
        </label>
        <label>
          Batch size
          <select
            value={form.batchSize === null ? '' : String(form.batchSize)}
            onChange={(e) => dispatch({ type: 'batchSize', size: Number(e.currentTarget.value) })}
            aria-describedby={problemId(problems, 'hyperparameters.batchSize')}
          >
            {form.batchSizes.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
          <FieldProblem problems={problems} field="hyperparameters.batchSize" />
        </label>
      </div>
    </div>
  );
}
