/**
 * The form's hyperparameter boxes, each with the chosen model's limit and default as its hint and its
 * problems beside it. A model the gateway sent no limits for is said to have none, never hinted with
 * another's.
 */
import type { NumericLimit } from '#contract/browser';
import type { Dispatch } from 'preact/hooks';
import type { FormChoices } from './derive-form';
import { FieldProblem, problemId } from './field-problem';
import { fieldPath, hint, HYPERPARAMETER_FIELDS, limitOf, type HyperparameterField } from './hyperparameter-fields';
import type { NewJobAction, NewJobState } from './new-job-state';
import type { Problems } from './problems';

interface Props {
  state: NewJobState;
  form: FormChoices;
  problems: Problems;
  dispatch: Dispatch<NewJobAction>;
}

export function HyperparametersCard({ state, form, problems, dispatch }: Props) {
  const limits = form.model?.hyperparameterLimits ?? null;
  return (
    <div class="card">
      <h2>Hyperparameters</h2>
      {form.model && !limits ? (
        <p class="field-error" role="status" data-testid="limits-missing">
          The gateway sent no limits for <bdi>{form.model.name}</bdi>: the values below are not checked here, and the
          gateway may refuse them when the job is priced or started.
        </p>
      ) : null}
      <div class="grid">
        {HYPERPARAMETER_FIELDS.map((field) => (
          <HyperparameterBox
            key={fieldPath(field)}
            field={field}
            limit={limits && limitOf(limits, field)}
            unknown={Boolean(form.model) && !limits}
            {...{ state, problems, dispatch }}
          />
        ))}
      </div>
    </div>
  );
}

interface BoxProps extends Omit<Props, 'form'> {
  field: HyperparameterField;
  /** The chosen model's limit; null before a model is known, or when the gateway sent none (`unknown`). */
  limit: NumericLimit | null;
  unknown: boolean;
}

function HyperparameterBox({ field, limit, unknown, state, problems, dispatch }: BoxProps) {
  const path = fieldPath(field);
  return (
    <label>
      {field.label}
      <input
        name={path}
        inputMode="decimal"
        placeholder={limit ? String(limit.default) : ''}
        value={state.hyperparameters[path] ?? ''}
        onInput={(e) => dispatch({ type: 'hyperparameter', path, text: e.currentTarget.value })}
        aria-invalid={problems[path] ? true : undefined}
        aria-describedby={[`hint-${path}`, problemId(problems, path)].filter(Boolean).join(' ')}
      />
      <span class="hint" id={`hint-${path}`}>
        {limit ? hint(limit) : unknown ? 'limits unknown' : ''}
      </span>
      <FieldProblem problems={problems} field={path} />
    </label>
  );
}
