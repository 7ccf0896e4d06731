/**
 * The one data format the Nscale service takes, in the words both sides show a user whose file is
 * not in it: a refusal names the format, so that a JSON Lines file (the format most other providers
 * take) is not answered with a CSV parser's jargon alone.
 */
export const ACCEPTED_FORMAT =
  'the fine-tuning service takes CSV files only: UTF-8 text, a header row naming the columns, then one row per example';

/** Whether text that failed to parse as CSV reads like JSON or JSON Lines (it opens with `{` or `[`). */
export function looksLikeJson(start: string): boolean {
  return /^\s*[[{]/.test(start.replace(/^\uFEFF/, ''));
}

/** Why a file's bytes are not CSV text, in the words of the pre-flight and both uploads. */
export const NOT_A_CSV_FILE = 'not a CSV file';
/** The file holds NUL bytes: a binary file (or UTF-16 text), checked before the text is decoded. */
export const HOLDS_NUL_BYTES = 'it holds binary data (NUL bytes)';
/** The file's bytes do not decode as UTF-8 (a UTF-8 BOM is allowed, and dropped). */
export const NOT_UTF8_TEXT = 'it is not UTF-8 text';
