/**
 * Which columns of a CSV the conversion to JSONL reads (csv-to-jsonl.ts): the prompt from
 * `promptColumn` (default `prompt`), the completion from `answerColumn` (default `answer`, else
 * `completion`), matched against the header's names, trimmed.
 *
 * A choice that would convert without complaint and train on wrong data is refused, each on the field
 * to fix, before anything reaches Together:
 * - a blank column name (it used to fall back to the default, and the refusal then named `file`);
 * - the same column for both (every sample's completion would repeat its prompt);
 * - a column read by the conversion whose name the header holds twice (the first was taken, silently;
 *   a name used twice that the conversion does not read is no one's business).
 *
 * A header without the columns is refused naming what it has and how to name others (`csvColumns`);
 * a header that is one column holding semicolons or tabs is most likely a file with another separator,
 * and is said to be.
 */
import { UpstreamError } from '../errors.js';
import { escapeInvisible, quote } from '../../contract/quote.js';
import type { CsvColumns } from './csv-to-jsonl.js';

const DEFAULT_PROMPT = 'prompt';
/** The answer column's default, said as the rule is: `answer`, else `completion`. */
const DEFAULT_ANSWER = '"answer", else "completion"';
const TWO_COLUMNS = "a sample's prompt and its completion come from two different columns";

const refuse = (message: string, field = 'file'): UpstreamError =>
  new UpstreamError('BAD_USER_INPUT', message, { field });

/** "1 and 2", "1, 4 and 7". */
const positions = (list: readonly number[]): string =>
  list.length === 1 ? String(list[0]) : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;

/**
 * What is wrong with the columns chosen whatever the file holds, or undefined: a blank name, or the
 * answer column named as the prompt column too. Checked before the CSV is read.
 */
export function columnChoiceProblem(columns: CsvColumns): UpstreamError | undefined {
  const defaults = { promptColumn: `"${DEFAULT_PROMPT}"`, answerColumn: DEFAULT_ANSWER } as const;
  for (const key of ['promptColumn', 'answerColumn'] as const) {
    const name = columns[key];
    if (name !== undefined && name.trim() === '')
      return refuse(
        `csvColumns.${key}: ${quote(name)} is blank: name a column of the CSV's header row, or leave ` +
          `csvColumns.${key} out for the default (${defaults[key]}).`,
        `csvColumns.${key}`,
      );
  }
  const { promptColumn, answerColumn } = columns;
  if (answerColumn !== undefined && answerColumn === (promptColumn ?? DEFAULT_PROMPT))
    return refuse(
      `csvColumns.answerColumn: ${quote(answerColumn)} is ` +
        (promptColumn === undefined
          ? `the prompt column too (csvColumns.promptColumn is not given: "${DEFAULT_PROMPT}")`
          : 'csvColumns.promptColumn too') +
        `: ${TWO_COLUMNS}.`,
      'csvColumns.answerColumn',
    );
  return undefined;
}

export interface ColumnsRead {
  promptAt: number;
  answerAt: number;
  /** The answer column's name, as rows that lack a value name it ("the answer is empty"). */
  answerName: string;
}

/** Where in `header` (names trimmed) the conversion reads the prompt and the completion; the refusal when it cannot. */
export function readColumns(header: readonly string[], columns: CsvColumns, filename: string): ColumnsRead {
  const promptName = columns.promptColumn ?? DEFAULT_PROMPT;
  const answerName = columns.answerColumn ?? (header.includes('answer') ? 'answer' : 'completion');
  const at = { promptAt: header.indexOf(promptName), answerAt: header.indexOf(answerName), answerName };
  if (at.promptAt < 0 || at.answerAt < 0) throw missingColumn(filename, header, columns, at);
  for (const [name, role] of [
    [promptName, 'prompt'],
    [answerName, 'completion'],
  ] as const) {
    const found = header.flatMap((h, i) => (h === name ? [i + 1] : []));
    if (found.length > 1)
      throw refuse(
        `${escapeInvisible(filename)}: the header names ${quote(name)} ${found.length} times (columns ` +
          `${positions(found)}), and the conversion reads each sample's ${role} from that column: give ` +
          `each column a name of its own.`,
      );
  }
  if (at.promptAt === at.answerAt)
    // Only a named prompt column can be the default answer column (a named answer column equal to the
    // prompt column was refused before the file was read).
    throw refuse(
      `csvColumns.promptColumn: ${quote(promptName)} is the answer column too (csvColumns.answerColumn is ` +
        `not given: ${DEFAULT_ANSWER}): ${TWO_COLUMNS}; name the answer column with csvColumns.answerColumn.`,
      'csvColumns.promptColumn',
    );
  return at;
}

/**
 * The refusal of a CSV whose header lacks a column the conversion reads: on the column the caller
 * named (`csvColumns.promptColumn`), where it is that one, so a form shows it beside its picker; on
 * `file` when a default column is missing, saying the rule and how to name other columns.
 */
function missingColumn(filename: string, header: readonly string[], columns: CsvColumns, at: ColumnsRead) {
  const has = header.map(quote).join(', ');
  const file = escapeInvisible(filename);
  const named =
    at.promptAt < 0 && columns.promptColumn != null
      ? { field: 'csvColumns.promptColumn', name: columns.promptColumn }
      : at.answerAt < 0 && columns.answerColumn != null && at.promptAt >= 0
        ? { field: 'csvColumns.answerColumn', name: columns.answerColumn }
        : null;
  if (named)
    return refuse(
      `${named.field}: ${quote(named.name)} is not a column of ${file}: its header has ${has}.`,
      named.field,
    );
  const promptName = columns.promptColumn ?? DEFAULT_PROMPT;
  const prompt = columns.promptColumn == null ? quote(promptName) : `${quote(promptName)}, csvColumns.promptColumn`;
  const answer = columns.answerColumn == null ? DEFAULT_ANSWER : `${quote(at.answerName)}, csvColumns.answerColumn`;
  const lacks = [
    at.promptAt < 0 ? `no ${quote(promptName)} column` : '',
    at.answerAt < 0
      ? `no ${columns.answerColumn == null ? '"answer" or "completion"' : quote(at.answerName)} column`
      : '',
  ].filter((s) => s !== '');
  const separator = header.length === 1 ? /[;\t|]/.exec(header[0]!)?.[0] : undefined;
  const fix =
    separator === undefined
      ? 'To convert other columns, name them with csvColumns (promptColumn, answerColumn).'
      : `Its header is one column holding ${quote(separator)}: a CSV's columns are separated by commas; ` +
        'save the file with commas between its columns.';
  return refuse(
    `${file}: Together fine-tunes on JSONL, and a CSV is converted from its prompt column (${prompt}) and its ` +
      `answer column (${answer}); this file's header has ${has}: ${lacks.join(', ')}. ${fix}`,
  );
}
