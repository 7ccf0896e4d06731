/**
 * The prompt and answer columns of a CSV the provider converts to samples on upload (Together), picked
 * from its header as the browser read it. A column is picked for the user only where the header leaves no
 * doubt (`prompt`, and one of `answer` or `completion`: what the gateway would take unasked); otherwise
 * the picker waits on "Choose a column" and nothing is uploaded until both are chosen.
 */
import { useId } from 'preact/hooks';

export interface ColumnPicks {
  prompt: string | null;
  answer: string | null;
}

/** Why the picks cannot be uploaded yet; null when they can. */
export function picksProblem(picks: ColumnPicks): string | null {
  if (picks.prompt === null || picks.answer === null)
    return 'Choose the prompt and answer columns: the file is converted to samples from them on upload.';
  if (picks.prompt === picks.answer) return `The prompt and the answer are both "${picks.prompt}": choose two columns.`;
  return null;
}

interface Props {
  header: readonly string[];
  picks: ColumnPicks;
  /** The pickers' labels: the training file's are "Prompt column" and "Answer column". */
  labels: { prompt: string; answer: string };
  onPick(picks: ColumnPicks): void;
}

export function ConvertedColumns({ header, picks, labels, onPick }: Props) {
  const id = useId();
  const problem = picksProblem(picks);
  // Named by `for`: a label around a select would take the select's option into its name.
  const select = (role: keyof ColumnPicks, label: string) => (
    <div class="column-pick">
      <label for={`${id}-${role}`}>{label}</label>
      <select
        id={`${id}-${role}`}
        value={picks[role] ?? ''}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => onPick({ ...picks, [role]: e.currentTarget.value || null })}
      >
        <option value="" disabled>
          Choose a column
        </option>
        {header.map((name, i) => (
          <option key={i} value={name}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div class="columns">
      <div class="grid">
        {select('prompt', labels.prompt)}
        {select('answer', labels.answer)}
      </div>
      {problem ? (
        <p class="field-error" id={`${id}-problem`} data-testid="columns-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
