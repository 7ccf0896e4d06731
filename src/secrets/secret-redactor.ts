/**
 * The secrets in flight: each request (or WebSocket operation) holds the caller's token and any
 * Hugging Face token it carries for as long as it runs, and everything that leaves the process
 * (every log line, every error a client reads) is scrubbed of every form of every secret held
 * (secret-forms.ts). Holding is counted, so two requests with one token release it once both end.
 *
 * Process-wide rather than per request on purpose: what logs a line (yoga's own error logging, a
 * library) often has no request at hand, and scrubbing another caller's secret from a line is only
 * ever a removal. The pattern is rebuilt lazily, once per change of the set, not per line, and the
 * patterns of the sets held lately are kept: at a dashboard's pace each request holds and releases its
 * caller's token alone, and building that pattern again for its one log line was 4 % of the gateway's
 * CPU under the fleet benchmark (perf, bench/RESULTS.md).
 */
import { secretsPattern, REDACTED } from './secret-forms.js';

export interface SecretRedactor {
  /** Scrubs `secrets` from everything until the returned function is called (idempotent). */
  hold(secrets: Iterable<string>): () => void;
  /** `text` with every form of every held secret replaced by `[redacted]`. */
  scrub(text: string): string;
  /** `scrub` for serialised JSON (a log line): the forms that could only match its structure are left out (secret-forms.ts). */
  scrubJson(text: string): string;
}

/** How many sets of secrets keep their pattern (in this process only, like the secrets held). */
const RECENT_PATTERNS = 64;

export function createSecretRedactor(): SecretRedactor {
  const held = new Map<string, number>();
  let pattern: RegExp | null | undefined = null;
  let jsonPattern: RegExp | null | undefined = null;
  const recent = new Map<string, RegExp | null>();
  const patternOfHeld = (inJson: boolean): RegExp | null => {
    const secrets = [...held.keys()].sort();
    const key = `${inJson ? 'json' : 'text'}\u0000${secrets.join('\u0000')}`;
    let found = recent.get(key);
    if (found === undefined) {
      found = secretsPattern(secrets, { inJson });
      if (recent.size >= RECENT_PATTERNS) recent.delete(recent.keys().next().value!);
    } else recent.delete(key);
    recent.set(key, found);
    return found;
  };

  return {
    hold(secrets) {
      const mine = [...new Set(secrets)].filter((s) => s !== '');
      for (const secret of mine) {
        const count = held.get(secret) ?? 0;
        held.set(secret, count + 1);
        if (count === 0) pattern = jsonPattern = undefined;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const secret of mine) {
          const count = held.get(secret) ?? 0;
          if (count <= 1) {
            held.delete(secret);
            pattern = jsonPattern = undefined;
          } else held.set(secret, count - 1);
        }
      };
    },
    scrub(text) {
      if (pattern === undefined) pattern = patternOfHeld(false);
      return pattern === null ? text : text.replace(pattern, REDACTED);
    },
    scrubJson(text) {
      if (jsonPattern === undefined) jsonPattern = patternOfHeld(true);
      return jsonPattern === null ? text : text.replace(jsonPattern, REDACTED);
    },
  };
}
