/** The form's last card: the cost estimate, the problems that belong to no field, and the start button. */
import { formatMoney } from '../format';
import { problemsElsewhere } from './field-problem';
import type { Problems } from './problems';
import type { EstimateState } from './use-estimate';

interface Props {
  estimate: EstimateState;
  problems: Problems;
  /** A training file is uploaded. */
  uploaded: boolean;
  /** The user asked for the estimate (and so for the dataset it needs), or the estimate needs no dataset. */
  committed: boolean;
  /** The dataset the estimate needs is being made (asked for, not answered yet). */
  preparing: boolean;
  /** The provider prices a job before it starts (`costEstimate`). */
  priced: boolean;
  canEstimate: boolean;
  onEstimate(): void;
  canStart: boolean;
  starting: boolean;
}

export function CostCard(props: Props) {
  const {
    estimate: answer,
    problems,
    uploaded,
    committed,
    preparing,
    priced,
    canEstimate,
    onEstimate,
    canStart,
    starting,
  } = props;
  const { estimate, estimating } = answer;
  return (
    <div class="card estimate" aria-live="polite">
      <h2>Cost</h2>
      {estimate ? (
        <p data-testid="estimate">
          {formatMoney(estimate.cost, estimate.currency)} for {estimate.tokens.toLocaleString()} tokens
          {estimate.minimumApplied ? ' (the minimum per job)' : ''}
        </p>
      ) : (
        <p class="muted" data-testid="estimate-state">
          {!priced
            ? 'This provider gives no price before a job starts.'
            : !uploaded
              ? 'Upload a training file first.'
              : estimating || (committed && preparing)
                ? // Computing, in words that cannot be read as the inputs being wrong (dashboard trial).
                  'Computing the estimate…'
                : committed
                  ? 'No estimate yet: the estimate appears once every field above is valid.'
                  : 'The pre-flight check above prices the job locally. ' +
                    "The service's own estimate needs a dataset of these files, made when you ask for it."}
        </p>
      )}
      {uploaded && !committed && priced ? (
        <button type="button" disabled={!canEstimate} onClick={onEstimate}>
          Estimate the cost
        </button>
      ) : null}
      {problemsElsewhere(problems).map(([field, messages]) => (
        <p key={field} class="error" role="alert">
          {messages.join(' ')}
        </p>
      ))}
      <button type="submit" disabled={!canStart || starting}>
        {starting ? 'Starting…' : 'Start the job'}
      </button>
    </div>
  );
}
