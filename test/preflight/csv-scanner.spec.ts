/**
 * The pre-flight's own CSV reader (src/preflight/csv-scanner.ts) must read a file as csv-parse does
 * (the simulator's reader, with `skip_empty_lines` and `relax_column_count`) whatever the chunks the
 * upload arrives in: generated files cut at random places, compared record by record.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvScanner } from '../../src/preflight/csv-scanner.js';

const CAP = 1_000_000;

/** The records read; with `asWritten`, data records (after the first) keep their cells untrimmed. */
function scan(chunks: string[], asWritten = false): { records: string[][]; error: string | undefined } {
  const records: string[][] = [];
  const scanner = new CsvScanner(
    () => CAP,
    (record) => {
      if (records.length === 0 && asWritten) scanner.keepColumns(() => CAP, false);
      records.push(record.fields.slice(0, record.fieldCount).map((field) => field?.text() ?? ''));
    },
  );
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return { records, error: scanner.error?.message };
}

function reference(text: string, asWritten = false): string[][] | 'error' {
  try {
    const rows = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
    // The analysis keeps trimmed text (field-text.ts), but for Together's data rows, sent as written.
    return rows.map((row, i) => row.map((cell) => (asWritten && i > 0 ? cell : cell.trim())));
  } catch {
    return 'error';
  }
}

const cell = fc.oneof(
  fc.stringMatching(/^[a-z ]{0,6}$/),
  fc.stringMatching(/^[a-z ,\n\r"]{0,8}$/).map((text) => `"${text.replaceAll('"', '""')}"`),
  // A lone `\r` in an unquoted cell, or just after a closing quote: in a CRLF file it ends no record
  // (csv-parse keeps it as text, or refuses the quote), in an LF file it is text, and first in a file
  // it makes `\r` the line ending.
  fc.stringMatching(/^[a-z ]{0,3}\r[a-z ]{0,3}$/),
  fc.stringMatching(/^[a-z ]{0,4}$/).map((text) => `"${text}"\r`),
);

const csvText = fc
  .tuple(
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
  )
  .map(([eol, rows]) => rows.map((row) => row.join(',')).join(eol) + eol);

/** `text` cut at the given places (sorted, deduplicated, within the text). */
function cut(text: string, places: number[]): string[] {
  const at = [...new Set(places.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const to of at) {
    chunks.push(text.slice(from, to));
    from = to;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe('the pre-flight CSV reader', () => {
  it('reads every file as csv-parse does, however the upload is chunked', () => {
    fc.assert(
      fc.property(csvText, fc.array(fc.nat(), { maxLength: 8 }), (text, places) => {
        const expected = reference(text);
        const { records, error } = scan(cut(text, places));
        if (expected === 'error') expect(error).toBeDefined();
        else {
          expect(error).toBeUndefined();
          expect(records).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps data cells as written when asked (Together), however the upload is chunked', () => {
    fc.assert(
      fc.property(csvText, fc.array(fc.nat(), { maxLength: 8 }), (text, places) => {
        const expected = reference(text, true);
        const { records, error } = scan(cut(text, places), true);
        if (expected === 'error') expect(error).toBeDefined();
        else {
          expect(error).toBeUndefined();
          expect(records).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tells a line of whitespace alone (one field to csv-parse) from an empty line (skipped) and a quoted blank', () => {
    const seen: [number, number, boolean][] = [];
    const scanner = new CsvScanner(
      () => CAP,
      (record) => seen.push([record.line, record.fieldCount, record.blank]),
    );
    scanner.write('a,b\n \t \n\n"  "\n , \nx\n');
    scanner.end();
    expect(seen).toEqual([
      [1, 2, false],
      [2, 1, true],
      [4, 1, false],
      [5, 2, false],
      [6, 1, false],
    ]);
  });

  it('a lone \\r in a CRLF file is text of the field, and after a closing quote a quoting error', () => {
    expect(scan(['prompt,answer\r\nx\r,z\r\n'], true)).toEqual({
      records: [
        ['prompt', 'answer'],
        ['x\r', 'z'],
      ],
      error: undefined,
    });
    expect(scan(['prompt,answer\r\nx,"q"\r ,b\r\n']).error).toMatch(/^Invalid Closing Quote: got "\r" at line 2/);
  });

  it('a CRLF file whose first line ending is split across two chunks', () => {
    const text = 'prompt,answer\r\nhello,world\r\n';
    const at = text.indexOf('\r') + 1;
    expect(scan([text.slice(0, at), text.slice(at)])).toEqual({
      records: [
        ['prompt', 'answer'],
        ['hello', 'world'],
      ],
      error: undefined,
    });
  });
});
