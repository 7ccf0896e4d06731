/**
 * One CSV file input: uploads the chosen file at once, with a progress bar, and previews its columns.
 * The chosen File is handed on too (the pre-flight check sends it again); `problem` is shown beside it.
 */
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError, upload } from '../api';
import type { UploadFileMutation } from '../gql/graphql';
import { UploadFile } from '../operations';

export type UploadedFile = UploadFileMutation['uploadFile'];

export function CsvUpload(props: {
  label: string;
  problem?: ComponentChildren;
  problemId?: string | undefined;
  /** The provider converts a CSV to samples on upload (Together): it has no columns to preview, and JSONL goes as is. */
  converts?: boolean;
  onUploaded(file: UploadedFile | null, chosen: File | null): void;
}) {
  const id = useId();
  const [fraction, setFraction] = useState<number | null>(null);
  const [file, setFile] = useState<UploadedFile | null>(null);
  const [error, setError] = useState<string | null>(null);

  const choose = async (chosen: File | undefined) => {
    setFile(null);
    setError(null);
    props.onUploaded(null, null);
    if (!chosen) return;
    setFraction(0);
    try {
      const { uploadFile } = await upload(UploadFile, { file: chosen }, setFraction);
      setFile(uploadFile);
      props.onUploaded(uploadFile, chosen);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setFraction(null);
    }
  };

  return (
    <div class="upload">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="file"
        accept={props.converts ? '.csv,text/csv,.jsonl' : '.csv,text/csv'}
        aria-describedby={props.problemId}
        onChange={(e) => void choose(e.currentTarget.files?.[0])}
      />
      {props.problem}
      {fraction !== null ? (
        <progress
          max={100}
          value={Math.round(fraction * 100)}
          aria-label={`Uploading: ${Math.round(fraction * 100)} %`}
        />
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {file ? <CsvPreview file={file} converts={props.converts ?? false} /> : null}
    </div>
  );
}

/** The uploaded file's size and a table of its columns with their first values (up to three rows). */
function CsvPreview({ file, converts }: { file: UploadedFile; converts: boolean }) {
  const columns = file.columns;
  const rows = columns ? Math.min(3, Math.max(0, ...columns.map((c) => c.sampleValues.length))) : 0;
  return (
    <div class="preview">
      <p>
        {file.name}: {file.bytes.toLocaleString()} bytes, uploaded.
      </p>
      {columns ? (
        <div class="table-wrap">
          <table>
            <caption>Columns and their first values</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.name} scope="col">
                    {c.name} <span class="muted">({c.type})</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: rows }, (_, row) => (
                <tr key={row}>
                  {columns.map((c) => (
                    <td key={c.name}>{c.sampleValues[row] ?? ''}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">
          {converts ? 'Converted to JSONL samples on upload.' : 'The service has not read its columns yet.'}
        </p>
      )}
    </div>
  );
}
