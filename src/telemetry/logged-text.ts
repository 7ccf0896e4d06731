/**
 * Text that clients choose, bounded on log lines: an operation name (sent as `operationName`, or a
 * document's, one token of any length) and a request's path. A request without credentials once
 * wrote a 900 kB info line with its operation name; log shippers split or drop such lines (Docker's
 * json-file at 16 kB, Loki at 256 kB by default), and with LOG_WRITES=sync the write holds the event loop.
 *
 * Past its bound a text is cut, and says so: `Aaaa…(+899900 characters)`. A length check on the way
 * of every request, nothing allocated for text within its bound.
 */

/** The most characters of an operation name on a log line: as many as a metric label admits (bounded-label.ts). */
export const MAX_LOGGED_NAME_CHARS = 100;

/** The most characters of a path on a log line: the gateway's own paths are a few dozen. */
export const MAX_LOGGED_PATH_CHARS = 200;

/** `text` itself when at most `max` characters long, else its first `max` and how many were left out. */
export function cutForLog(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never between the two halves of a surrogate pair: a lone half is not text.
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…(+${text.length - end} characters)`;
}
