/** The form's hyperparameter boxes, each with the contract's range and default as its hint and its problems beside it. */
import type { Dispatch } from 'preact/hooks';
import { FieldProblem, problemId } from './field-problem';
import { fieldPath, hint, HYPERPARAMETER_FIELDS, type HyperparameterField } from './hyperparameter-fields';
import type { NewJobAction, NewJobState } from './new-job-state';
import type { Problems } from './problems';

interface Props {
  state: NewJobState;
  problems: Problems;
  dispatch: Dispatch<NewJobAction>;
}

export function HyperparametersCard({ state, problems, dispatch }: Props) {
  return (
    <div class="card">
      <h2>Hyperparameters</h2>
      <div class="grid">
        {HYPERPARAMETER_FIELDS.map((field) => (
          <HyperparameterBox key={fieldPath(field)} field={field} {...{ state, problems, dispatch }} />
        ))}
      </div>
    </div>
  );
}

function HyperparameterBox({ field, state, problems, dispatch }: Props & { field: HyperparameterField }) {
  const path = fieldPath(field);
  return (
    <label>
      {field.label}
      <input
        name={path}
        inputMode="decimal"
        placeholder={String(field.rule.default)}
        value={state.hyperparameters[path] ?? ''}
        onInput={(e) => dispatch({ type: 'hyperparameter', path, text: e.currentTarget.value })}
        aria-invalid={problems[path] ? true : undefined}
        aria-describedby={[`hint-${path}`, problemId(problems, path)].filter(Boolean).join(' ')}
      />
      <span class="hint" id={`hint-${path}`}>
        {hint(field.rule)}
      </span>
      <FieldProblem problems={problems} field={path} />
    </label>
  );
}
