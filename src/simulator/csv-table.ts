/**
 * What the service makes of a parsed CSV: the header check and the column preview of the File shape
 * (`{ name, type, values }`, at most five sample values). Types are inferred over every row, so a
 * column reads "integer" only if every non-empty value in it is one.
 *
 * A sample value is a preview, cut to SAMPLE_CHARS: a valid file may hold a cell of megabytes (a long
 * document as the answer), and echoing five of them per column made the File answer larger than any
 * client reads (the gateway's is 8 MiB), so the upload of a valid 20 MiB file failed.
 */

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';

export interface ColumnPreview {
  name: string;
  type: ColumnType;
  values: string[];
}

const SAMPLE_SIZE = 5;
/** Characters of a sample value shown; a longer one is cut and ends with "…". */
export const SAMPLE_CHARS = 200;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

function inferType(values: Iterable<string>): ColumnType {
  let integer = true;
  let number = true;
  let boolean = true;
  let any = false;
  for (const raw of values) {
    const value = raw.trim();
    if (value === '') continue;
    any = true;
    integer &&= INTEGER.test(value);
    number &&= NUMBER.test(value);
    boolean &&= BOOLEAN.test(value);
    if (!integer && !number && !boolean) return 'string';
  }
  if (!any) return 'string';
  return integer ? 'integer' : number ? 'number' : boolean ? 'boolean' : 'string';
}

/** Cut by code points, so that a character outside the BMP is never split in half. */
function sample(value: string): string {
  if (value.length <= SAMPLE_CHARS) return value;
  let kept = 0;
  let end = 0;
  for (const char of value) {
    if (kept === SAMPLE_CHARS - 1) return `${value.slice(0, end)}…`;
    kept++;
    end += char.length;
  }
  return value;
}

export function previewColumns(header: readonly string[], rows: readonly string[][]): ColumnPreview[] {
  return header.map((rawName, index) => {
    const column = function* () {
      for (const row of rows) yield row[index] ?? '';
    };
    return {
      name: rawName.trim(),
      type: inferType(column()),
      values: rows.slice(0, SAMPLE_SIZE).map((row) => sample(row[index] ?? '')),
    };
  });
}
