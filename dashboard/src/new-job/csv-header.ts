/**
 * A CSV's header and first rows, read in the browser before anything is uploaded: on a provider that
 * converts a CSV to samples on upload (Together), the user picks the prompt and answer columns from
 * them, and the upload names the picks (`uploadFile(csvColumns:)`). Read as the gateway's conversion
 * reads them (src/upstream/together/csv-to-jsonl.ts): by csv-parse with the same options (a UTF-8 BOM
 * dropped, empty lines skipped, rows of any length), header names trimmed, so a name picked here is one
 * it finds, and a file it cannot read is refused here in its words.
 *
 * Only the file's start is read (the header and a few rows to preview); the gateway checks every row.
 */

import { CsvError, parse } from 'csv-parse/browser/esm/sync';

/** csv-parse's options as the gateway's conversion sets them (src/upstream/together/csv-to-jsonl.ts). */
const GATEWAY_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: true } as const;

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
  const records = parseRecords(text, rows + 1, file.size <= READ_BYTES, file.name);
  const [header, ...rest] = records;
  if (!header) throw new CsvHeaderError(`${file.name}: the CSV file is empty.`);
  return { header: header.map((name) => name.trim()), rows: rest };
}

/** The one column of `header` among `names`; null when it has none of them, or several (the user picks). */
export function onlyColumn(header: readonly string[], names: readonly string[]): string | null {
  const found = names.filter((name) => header.includes(name));
  return found.length === 1 ? found[0]! : null;
}

/**
 * The columns the gateway would take without being told, where the header leaves no doubt: `prompt`,
 * and `answer` or `completion` when it has exactly one of them. Anything else is null: the user picks.
 */
export function unambiguousColumns(header: readonly string[]): { prompt: string | null; answer: string | null } {
  return { prompt: onlyColumn(header, ['prompt']), answer: onlyColumn(header, ['answer', 'completion']) };
}

/**
 * Up to `max` records, read by the parser and the options the gateway's conversion uses; where `text` is
 * only the file's start (`whole` false), a last record it cuts (unterminated, or in an open quote) is
 * not one.
 */
function parseRecords(text: string, max: number, whole: boolean, name: string): string[][] {
  const records: { fields: string[]; end: number }[] = [];
  try {
    parse(text, {
      ...GATEWAY_OPTIONS,
      to: max,
      // Each record with where it ends (in UTF-8 bytes), kept here: a parse that fails later keeps them.
      on_record: (fields: string[], context) => {
        if (records.length < max) records.push({ fields, end: context.bytes });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const cut = !whole && error.code === 'CSV_QUOTE_NOT_CLOSED';
    if (!cut) throw new CsvHeaderError(`${name}: not a readable CSV file: ${error.message}`);
  }
  const length = new TextEncoder().encode(text).length;
  if (!whole && records.at(-1)?.end === length) records.pop();
  if (records.length === 0 && !whole)
    throw new CsvHeaderError(`${name}: the CSV header does not end within its first ${READ_BYTES / 1024} KiB.`);
  return records.map((record) => record.fields);
}
