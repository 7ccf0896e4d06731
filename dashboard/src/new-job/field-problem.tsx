/**
 * A field's problems shown beside it, with the id its input names in `aria-describedby`; and the
 * problems of fields that have no place of their own in the form.
 */
import type { FieldPath } from './field-path';
import { fieldPath, HYPERPARAMETER_FIELDS } from './hyperparameter-fields';
import type { Problems } from './problems';

export const problemId = (problems: Problems, field: FieldPath): string | undefined =>
  problems[field] ? `problem-${field}` : undefined;

export function FieldProblem({ problems, field }: { problems: Problems; field: FieldPath }) {
  const messages = problems[field];
  if (!messages) return null;
  return (
    <span class="field-error" id={`problem-${field}`} data-field={field} role="alert">
      {messages.join(' ')}
    </span>
  );
}

/** The fields shown beside an input of the form (the rest are listed by the start button). */
const SHOWN_BESIDE: ReadonlySet<string> = new Set<FieldPath>([
  'name',
  'trainingFile',
  'validationFile',
  'baseModelId',
  'dataset.id',
  'dataset.answerColumn',
  'dataset.promptColumn',
  'hyperparameters.batchSize',
  ...HYPERPARAMETER_FIELDS.map(fieldPath),
]);

export function problemsElsewhere(problems: Problems): Array<[string, readonly string[]]> {
  return Object.entries(problems).filter(([field]) => !SHOWN_BESIDE.has(field));
}
