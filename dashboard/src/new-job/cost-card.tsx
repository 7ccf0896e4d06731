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
  canStart: boolean;
  starting: boolean;
}

export function CostCard({ estimate: { estimate, estimating }, problems, uploaded, canStart, starting }: Props) {
  return (
    <div class="card estimate" aria-live="polite">
      <h2>Cost</h2>
      {estimate ? (
        <p data-testid="estimate">
          {formatMoney(estimate.cost, estimate.currency)} for {estimate.tokens.toLocaleString()} tokens
          {estimate.minimumApplied ? ' (the minimum per job)' : ''}
        </p>
      ) : (
        <p class="muted">
          {estimating
            ? 'Estimating…'
            : uploaded
              ? 'The estimate appears once the inputs are valid.'
              : 'Upload a training file first.'}
        </p>
      )}
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
