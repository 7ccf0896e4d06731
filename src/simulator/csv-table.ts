/**
 * What the service makes of a parsed CSV: the header check and the column preview of the File shape
 * (`{ name, type, values }`, at most five sample values). Types are inferred over every row, so a
 * column reads "integer" only if every non-empty value in it is one.
 */

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';

export interface ColumnPreview {
  name: string;
  type: ColumnType;
  values: string[];
}

const SAMPLE_SIZE = 5;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

/**
 * Why `header` cannot be a header row, or undefined when it can. A first row of numbers is taken for
 * data: the file has no header, and a job could not name its prompt and answer columns.
 */
export function headerProblem(header: readonly string[]): string | undefined {
  const names = header.map((h) => h.trim());
  const blank = names.findIndex((n) => n === '');
  if (blank !== -1) return `column ${blank + 1} of the header row has no name`;
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return `the header row names column ${JSON.stringify(name)} twice`;
    seen.add(name);
  }
  if (names.every((n) => NUMBER.test(n))) {
    return 'the first row holds only numbers: a CSV needs a header row naming its columns';
  }
  return undefined;
}

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

export function previewColumns(header: readonly string[], rows: readonly string[][]): ColumnPreview[] {
  return header.map((rawName, index) => {
    const column = function* () {
      for (const row of rows) yield row[index] ?? '';
    };
    return {
      name: rawName.trim(),
      type: inferType(column()),
      values: rows.slice(0, SAMPLE_SIZE).map((row) => row[index] ?? ''),
    };
  });
}
