/**
 * The secrets in flight: each request (or WebSocket operation) holds the caller's token and any
 * Hugging Face token it carries for as long as it runs, and everything that leaves the process
 * (every log line, every error a client reads) is scrubbed of every form of every secret held
 * (secret-forms.ts). Holding is counted, so two requests with one token release it once both end.
 *
 * Process-wide rather than per request on purpose: what logs a line (yoga's own error logging, a
 * library) often has no request at hand, and scrubbing another caller's secret from a line is only
 * ever a removal. So what it costs must not grow with what others hold:
 *
 * - While a few secrets are held (FEW), one regular expression of their forms scrubs, built lazily
 *   once per change of the set, not per line; the patterns of the sets held lately are kept, and the
 *   forms of the secrets held lately: at a dashboard's pace each request holds and releases its
 *   caller's token alone, and building that pattern again for its one log line was 4 % of the
 *   gateway's CPU under the fleet benchmark (perf, bench/RESULTS.md).
 * - Past them, a tree of the forms held (form-trie.ts), where holding or releasing a secret costs the
 *   length of its forms and scrubbing a line about the line's length, however many are held. The one
 *   expression cost both in proportion to everything held: with 100 requests or streams running, each
 *   holding its caller's token, each request's log line took 0.3 s of CPU to scrub, 5 s with 1,000.
 *
 * Both replace the same: leftmost first, the longest form held there. What one request may make the
 * redactor hold is bounded where its secrets are read (src/server/request-secrets.ts).
 */
import { LRUCache } from 'lru-cache';
import { createFormTrie, type FormTrie } from './form-trie.js';
import { breaksJson, formsPattern, REDACTED, secretForms } from './secret-forms.js';

export interface SecretRedactor {
  /** Scrubs `secrets` from everything until the returned function is called (idempotent). */
  hold(secrets: Iterable<string>): () => void;
  /** `text` with every form of every held secret replaced by `[redacted]`. */
  scrub(text: string): string;
  /** `scrub` for serialised JSON (a log line): the forms that could only match its structure are left out (secret-forms.ts). */
  scrubJson(text: string): string;
}

/** Up to this many secrets held, one regular expression scrubs (faster per line for a few forms); past them, the tree. */
const FEW = 8;
/**
 * What is kept of the sets held lately and of the secrets released lately (in this process only, like
 * the secrets held): the patterns of 64 sets, the forms of 256 secrets, each up to so many characters
 * in all (secrets held are bounded, not what stays here once released).
 */
const RECENT_PATTERNS = { max: 64, maxSize: 256 * 1024 };
const RECENT_FORMS = { max: 256, maxSize: 1024 * 1024 };

const charsOf = (strings: readonly string[]): number => strings.reduce((sum, s) => sum + s.length, 1);

export function createSecretRedactor(): SecretRedactor {
  /** Each secret held: how many hold it, and its forms. */
  const held = new Map<string, { holders: number; forms: string[] }>();
  const recentForms = new LRUCache<string, string[]>({ ...RECENT_FORMS, sizeCalculation: charsOf });
  // Keyed by the secrets of the set (its pattern holds some ten times as many characters); false: nothing to scrub.
  const recentPatterns = new LRUCache<string, RegExp | false>({
    ...RECENT_PATTERNS,
    sizeCalculation: (_pattern, key) => key.length * 10,
  });
  /** The pattern of the set held, for text and for JSON; undefined until needed after a change. */
  let pattern: RegExp | null | undefined = null;
  let jsonPattern: RegExp | null | undefined = null;
  /** The tree of the forms held, while more than a few are held. */
  let tree: FormTrie | null = null;

  const patternOfHeld = (inJson: boolean): RegExp | null => {
    const secrets = [...held.keys()].sort();
    const key = `${inJson ? 'json' : 'text'}\u0000${secrets.join('\u0000')}`;
    let found = recentPatterns.get(key);
    if (found === undefined) {
      found =
        formsPattern(
          secrets.flatMap((s) => held.get(s)!.forms),
          { inJson },
        ) ?? false;
      recentPatterns.set(key, found);
    }
    return found || null;
  };
  const treeOfHeld = (): FormTrie => {
    const made = createFormTrie();
    for (const { forms } of held.values()) for (const form of forms) made.add(form, !breaksJson(form));
    return made;
  };

  const take = (secret: string) => {
    const entry = held.get(secret);
    if (entry) {
      entry.holders++;
      return;
    }
    const forms = recentForms.get(secret) ?? secretForms(secret);
    held.set(secret, { holders: 1, forms });
    if (tree !== null) for (const form of forms) tree.add(form, !breaksJson(form));
    pattern = jsonPattern = undefined;
  };
  const give = (secret: string) => {
    const entry = held.get(secret);
    if (!entry || --entry.holders > 0) return;
    held.delete(secret);
    if (tree !== null) for (const form of entry.forms) tree.remove(form);
    recentForms.set(secret, entry.forms);
    pattern = jsonPattern = undefined;
  };

  return {
    hold(secrets) {
      const mine = [...new Set(secrets)].filter((s) => s !== '');
      for (const secret of mine) take(secret);
      if (tree === null && held.size > FEW) tree = treeOfHeld();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const secret of mine) give(secret);
        if (tree !== null && held.size <= FEW / 2) tree = null; // not at FEW: a set held around it would rebuild it each time
      };
    },
    scrub(text) {
      if (tree !== null) return tree.replace(text, REDACTED, false);
      if (pattern === undefined) pattern = patternOfHeld(false);
      return pattern === null ? text : text.replace(pattern, REDACTED);
    },
    scrubJson(text) {
      if (tree !== null) return tree.replace(text, REDACTED, true);
      if (jsonPattern === undefined) jsonPattern = patternOfHeld(true);
      return jsonPattern === null ? text : text.replace(jsonPattern, REDACTED);
    },
  };
}
