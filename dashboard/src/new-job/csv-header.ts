/**
 * A CSV's header and first rows, read in the browser before anything is uploaded: on a provider that
 * converts a CSV to samples on upload (Together), the user picks the prompt and answer columns from
 * them, and the upload names the picks (`uploadFile(csvColumns:)`). Read as the gateway's conversion
 * reads them (src/upstream/together/csv-to-jsonl.ts): a UTF-8 BOM dropped, empty lines skipped, quoted
 * fields with `""` and line breaks, header names trimmed, so a name picked here is one it finds.
 *
 * Only the file's start is read (the header and a few rows to preview); the gateway checks every row.
 */

export interface CsvStart {
  /** The header's column names, trimmed. */
  header: string[];
  /** Up to `rows` rows after it, as written. */
  rows: string[][];
}

/** How much of the file is read: a header longer than this is not a CSV a form is for. */
const READ_BYTES = 256 * 1024;

export class CsvHeaderError extends Error {}

export async function readCsvStart(file: File, rows = 3): Promise<CsvStart> {
  const text = await file.slice(0, READ_BYTES).text();
  const records = parseRecords(text.replace(/^\uFEFF/, ''), rows + 1, file.size <= READ_BYTES);
  const [header, ...rest] = records;
  if (!header) throw new CsvHeaderError(`${file.name}: the CSV file is empty.`);
  return { header: header.map((name) => name.trim()), rows: rest };
}

/**
 * The columns the gateway would take without being told, where the header leaves no doubt: `prompt`,
 * and `answer` or `completion` when it has exactly one of them. Anything else is null: the user picks.
 */
export function unambiguousColumns(header: readonly string[]): { prompt: string | null; answer: string | null } {
  const answers = ['answer', 'completion'].filter((name) => header.includes(name));
  return {
    prompt: header.includes('prompt') ? 'prompt' : null,
    answer: answers.length === 1 ? answers[0]! : null,
  };
}

/** Up to `max` records of RFC 4180 CSV; the last one only where the text is the whole file (`whole`). */
function parseRecords(text: string, max: number, whole: boolean): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    // An empty line is skipped, as the gateway's parser skips it.
    if (fields.length > 1 || fields[0] !== '') records.push(fields);
    fields = [];
    field = '';
  };
  while (i < text.length && records.length < max) {
    const c = text[i]!;
    const next = text[i + 1];
    i++;
    if (quoted) {
      if (c !== '"') field += c;
      else if (next === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      endRecord();
      if (c === '\r' && next === '\n') i++;
    } else field += c;
  }
  if (whole && records.length < max && (field !== '' || fields.length > 0)) endRecord();
  if (records.length === 0 && !whole)
    throw new CsvHeaderError(`the CSV header does not end within its first ${READ_BYTES / 1024} KiB.`);
  return records;
}
