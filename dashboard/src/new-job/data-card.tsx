/**
 * The form's data: the training and validation uploads, then the prompt and answer columns of the
 * training file. On a provider that trains on the files themselves (`files`: Together), a CSV is
 * converted to samples on upload, so each file's columns are picked from its header before it is sent
 * (csv-upload.tsx), and a JSONL file goes as it is; Nscale takes CSV only and names the columns in the dataset.
 * A column the header leaves in doubt (derive-form.ts) waits on "Choose a column", with why beside it.
 */
import type { Dispatch } from 'preact/hooks';
import { CsvUpload, type UploadedFile } from './csv-upload';
import type { FormChoices } from './derive-form';
import { FieldProblem, problemId } from './field-problem';
import type { NewJobAction, NewJobState } from './new-job-state';
import type { Problems } from './problems';

interface Props {
  state: NewJobState;
  form: FormChoices;
  problems: Problems;
  dispatch: Dispatch<NewJobAction>;
}

export function DataCard({ state, form, problems, dispatch, files }: Props & { files: boolean }) {
  const uploaded = (role: 'training' | 'validation') => (file: UploadedFile | null, chosen: File | null) =>
    dispatch({ type: 'uploaded', role, upload: file && chosen ? { file, chosen } : null });
  return (
    <div class="card">
      <h2>Data</h2>
      <CsvUpload
        label={files ? 'Training file (CSV or JSONL)' : 'Training file (CSV)'}
        problem={<FieldProblem problems={problems} field="trainingFile" />}
        problemId={problemId(problems, 'trainingFile')}
        converts={files}
        onUploaded={uploaded('training')}
      />
      <CsvUpload
        label={
          files
            ? 'Validation file (CSV or JSONL, optional: evaluations run on it)'
            : 'Validation file (CSV, optional: without it 1 % of the training rows are held out)'
        }
        problem={<FieldProblem problems={problems} field="validationFile" />}
        problemId={problemId(problems, 'validationFile')}
        converts={files}
        columnLabels={{ prompt: 'Validation prompt column', answer: 'Validation answer column' }}
        onUploaded={uploaded('validation')}
      />
      <FieldProblem problems={problems} field={files ? 'files.trainingFileId' : 'dataset.id'} />
      {files ? (
        <p class="muted" data-testid="files-note">
          This provider trains on the uploaded files themselves: a CSV is converted to samples on upload, from the
          prompt and answer columns you choose from its header; a JSONL file (<code>.jsonl</code>) goes as it is.
        </p>
      ) : form.columns ? (
        <ColumnPickers {...{ state, form, problems, dispatch }} columns={form.columns} />
      ) : null}
    </div>
  );
}

/** The prompt picker's value while the user has to choose (a disabled option, never picked): no column's name. */
const CHOOSE = ' choose';

function ColumnPickers({ state, form, problems, dispatch, columns }: Props & { columns: readonly string[] }) {
  const validationColumns = state.validation?.file.columns?.map((c) => c.name);
  // Called once per select: a vnode is rendered in one place only.
  const options = () =>
    columns.map((name) => (
      <option key={name} value={name}>
        {validationColumns && !validationColumns.includes(name) ? `${name} (not in the validation file)` : name}
      </option>
    ));
  return (
    <div class="grid">
      <label>
        Prompt column
        <select
          value={form.promptColumn ?? CHOOSE}
          onChange={(e) => dispatch({ type: 'typed', field: 'promptColumn', value: e.currentTarget.value })}
          aria-describedby={problemId(problems, 'dataset.promptColumn')}
        >
          {form.promptColumn === null ? (
            <option value={CHOOSE} disabled>
              Choose a column
            </option>
          ) : null}
          <option value="">(none)</option>
          {options()}
        </select>
        <FieldProblem problems={problems} field="dataset.promptColumn" />
      </label>
      <label>
        Answer column
        <select
          value={form.answerColumn}
          onChange={(e) => dispatch({ type: 'typed', field: 'answerColumn', value: e.currentTarget.value })}
          aria-describedby={problemId(problems, 'dataset.answerColumn')}
        >
          {form.answerColumn ? null : (
            <option value="" disabled>
              Choose a column
            </option>
          )}
          {options()}
        </select>
        <FieldProblem problems={problems} field="dataset.answerColumn" />
      </label>
    </div>
  );
}
