/**
 * Every form a secret (a caller's service token, a Hugging Face access token) can take on its way
 * into a log line, an error or a response, and the one function that scrubs them all.
 *
 * Why more than the raw value: an upstream that quotes the JSON body it received hands back the token
 * JSON-escaped (`a\"b`), and a log line quoting that message escapes it once more; a URL or a form
 * carries it percent-encoded; a `Basic`/`Bearer` header or a proxy's dump carries it in base64, at
 * any offset (three alignments, each scrubbed by the part of the encoding that depends on the secret
 * alone, so whatever precedes it, `Bearer ` included, does not matter).
 */

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not scrubbed: replacing every "abc" in every log line would destroy
 * the logs and protect nothing (such a token is no secret). Base64 fragments shorter than it are skipped too.
 */
export const MIN_SECRET_LENGTH = 6;

const jsonEscaped = (s: string): string => JSON.stringify(s).slice(1, -1);

/** The characters of base64(prefix + secret) that depend on the secret only, for each of the three alignments. */
function base64Fragments(secret: string, alphabet: 'base64' | 'base64url'): string[] {
  const bytes = Buffer.from(secret);
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    // `offset` bytes before the secret: its first whole 3-byte group starts at the next multiple of 3.
    const skip = (3 - offset) % 3;
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    if (whole <= 0) continue;
    const fragment = bytes
      .subarray(skip, skip + whole)
      .toString(alphabet)
      .replace(/=+$/, '');
    if (fragment.length >= MIN_SECRET_LENGTH) out.push(fragment);
  }
  return out;
}

/** The forms of one secret, longest first (so that a longer form is replaced before a form inside it). */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const once = jsonEscaped(secret);
  const twice = jsonEscaped(once);
  const forms = new Set<string>([
    secret,
    once,
    twice,
    jsonEscaped(twice),
    encodeURIComponent(secret),
    encodeURI(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    ...base64Fragments(secret, 'base64'),
    ...base64Fragments(secret, 'base64url'),
  ]);
  return [...forms].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A form that, found in serialised JSON, could span its structure: a quote not escaped by a backslash
 * before it (a string's end), or a backslash at its end that escapes what follows.
 */
const BREAKS_JSON = /(?:^|[^\\])(?:\\\\)*"|(?:^|[^\\])\\(?:\\\\)*$/;

/** Whether `form`, found in serialised JSON, could span its structure (see above): it is left out there. */
export const breaksJson = (form: string): boolean => BREAKS_JSON.test(form);

/**
 * One pattern matching every form of every secret; null when there is nothing to scrub. `inJson`: for
 * serialised JSON (a log line), where a secret inside a string is escaped, so a form holding a quote
 * no backslash escapes can only match the document's own structure: such forms are left out (a variable
 * named like a secret, `"","method":"POST"`, held, rewrote every log line's `","method":"POST"` and made
 * it invalid JSON, other callers' lines included). Their escaped forms stay.
 */
export function secretsPattern(secrets: Iterable<string>, options: { inJson?: boolean } = {}): RegExp | null {
  return formsPattern([...secrets].flatMap(secretForms), options);
}

/** `secretsPattern` of the forms of the secrets, worked out already. */
export function formsPattern(forms: Iterable<string>, { inJson = false } = {}): RegExp | null {
  const chosen = [...new Set(forms)].filter((form) => !inJson || !breaksJson(form)).sort((a, b) => b.length - a.length);
  return chosen.length === 0 ? null : new RegExp(chosen.map(escapeRegExp).join('|'), 'g');
}

/** `text` with every form of every secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const pattern = secretsPattern(secrets);
  return pattern === null ? text : text.replace(pattern, REDACTED);
}
