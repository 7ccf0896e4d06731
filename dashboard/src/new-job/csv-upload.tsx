/**
 * One data file input: uploads the chosen file, with a progress bar, and previews its columns. The
 * chosen File is handed on too (the pre-flight check sends it again); `problem` is shown beside it.
 *
 * Where the provider converts a CSV to samples on upload (Together), the service keeps no columns to
 * preview and the conversion needs the prompt and answer columns first: the browser reads the header,
 * the user picks them (converted-columns.tsx), and the upload names them (`csvColumns`); picking others
 * uploads the file again. A JSONL file goes as it is. The gateway's refusal of the file (a picked column
 * it does not find, a row it cannot convert: "row 48: the answer is empty") is shown beside the field.
 */
import type { ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { ConvertedColumns, picksProblem, type ColumnPicks } from './converted-columns';
import { readCsvStart, unambiguousColumns, type CsvStart } from './csv-header';
import { CsvPreview, previewOf } from './csv-preview';
import { useUpload, type UploadedFile } from './use-upload';

export type { UploadedFile } from './use-upload';

interface Props {
  label: string;
  problem?: ComponentChildren;
  problemId?: string | undefined;
  /** The provider converts a CSV to samples on upload (Together): it has no columns to preview, and JSONL goes as is. */
  converts?: boolean;
  /** The labels of the column pickers of a converted CSV. */
  columnLabels?: { prompt: string; answer: string };
  onUploaded(file: UploadedFile | null, chosen: File | null): void;
}

/** A CSV read in the browser, waiting for (or uploaded with) the columns picked from its header. */
interface Converted {
  chosen: File;
  start: CsvStart;
  picks: ColumnPicks;
}

const TRAINING_COLUMNS = { prompt: 'Prompt column', answer: 'Answer column' };

export function CsvUpload(props: Props) {
  const id = useId();
  const upload = useUpload(props.onUploaded);
  const [converted, setConverted] = useState<Converted | null>(null);
  const latestRef = useRef<File | null>(null);

  const sendConverted = (next: Converted) => {
    setConverted(next);
    const { prompt, answer } = next.picks;
    if (picksProblem(next.picks) !== null || prompt === null || answer === null) upload.reset();
    else void upload.send(next.chosen, { promptColumn: prompt, answerColumn: answer });
  };

  const choose = async (chosen: File | undefined) => {
    latestRef.current = chosen ?? null;
    setConverted(null);
    upload.reset();
    if (!chosen) return;
    if (!props.converts || /\.jsonl$/i.test(chosen.name)) return upload.send(chosen);
    let start: CsvStart;
    try {
      start = await readCsvStart(chosen);
    } catch (e) {
      if (latestRef.current === chosen) upload.reset(e instanceof Error ? e.message : String(e));
      return;
    }
    if (latestRef.current !== chosen) return; // another file was chosen meanwhile
    sendConverted({ chosen, start, picks: unambiguousColumns(start.header) });
  };

  const errorId = `${id}-error`;
  const describedBy = [props.problemId, upload.error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div class="upload">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="file"
        accept={props.converts ? '.csv,text/csv,.jsonl' : '.csv,text/csv'}
        aria-describedby={describedBy}
        onChange={(e) => void choose(e.currentTarget.files?.[0])}
      />
      {props.problem}
      {converted ? (
        <ConvertedColumns
          header={converted.start.header}
          picks={converted.picks}
          labels={props.columnLabels ?? TRAINING_COLUMNS}
          onPick={(picks) => sendConverted({ ...converted, picks })}
        />
      ) : null}
      {upload.fraction !== null ? (
        <progress
          max={100}
          value={Math.round(upload.fraction * 100)}
          aria-label={`Uploading: ${Math.round(upload.fraction * 100)} %`}
        />
      ) : null}
      {upload.error ? (
        <p class="error" id={errorId} role="alert">
          {upload.error}
        </p>
      ) : null}
      {upload.file ? <Uploaded file={upload.file} converts={props.converts ?? false} /> : null}
      {converted ? (
        <CsvPreview
          columns={previewOf(converted.start.header, converted.start.rows)}
          caption={`${converted.chosen.name}: its columns and first values`}
        />
      ) : null}
    </div>
  );
}

/** The uploaded file's size and its columns with their first values, where the service read them. */
function Uploaded({ file, converts }: { file: UploadedFile; converts: boolean }) {
  return (
    <div class="preview">
      <p>
        {file.name}: {file.bytes.toLocaleString()} bytes, uploaded.
      </p>
      {file.columns ? (
        <CsvPreview columns={file.columns} caption="Columns and their first values" />
      ) : (
        <p class="muted">
          {converts ? 'Converted to JSONL samples on upload.' : 'The service has not read its columns yet.'}
        </p>
      )}
    </div>
  );
}
