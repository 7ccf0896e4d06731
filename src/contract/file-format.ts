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
