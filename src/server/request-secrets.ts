/**
 * The secrets one operation carries, for the redactor to hold while it runs (src/secrets), besides
 * its caller's (caller.ts): every string under a variable, or an argument written inline in the
 * document, whose name says token, secret or password (`accessToken`). Found by name rather than by a
 * list of fields, so that a new input holding a secret is covered when it is added.
 *
 * Bounded: every secret held is scrubbed from every log line of the process while it is held, so what
 * one request may make the redactor hold is capped (MAX_REQUEST_SECRETS distinct strings,
 * MAX_REQUEST_SECRET_CHARS characters in all). A request over the cap is refused (HTTP 400,
 * BAD_USER_INPUT naming the rule) rather than run with some of its secrets unscrubbed. Found in a
 * trial: 60,000 strings under an undeclared variable `token` (graphql-js ignores it) took 4 s to
 * hold and 0.9 s per log line of every caller while held, for as long as an SSE stream stayed open.
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import { MIN_SECRET_LENGTH } from '../secrets/secret-forms.js';
import { inlineLiterals } from './inline-secrets.js';

export { inlineLiterals };

const SECRET_NAME = /token|secret|password|authorization/i;

/** The most distinct secrets one operation (or one WebSocket's connectionParams) may carry: a few are used. */
export const MAX_REQUEST_SECRETS = 32;
/** Their characters in all (a Hugging Face token has 37). */
export const MAX_REQUEST_SECRET_CHARS = 8 * 1024;

export interface RequestSecretSources {
  variables?: unknown;
  query?: unknown;
}

/**
 * The distinct secrets (of MIN_SECRET_LENGTH characters or more: shorter ones are never scrubbed) of
 * an operation's variables and document. Throws the refusal (BAD_USER_INPUT, HTTP 400) when they
 * are more than the cap.
 */
export function requestSecrets(sources: RequestSecretSources): string[] {
  const found = new SecretSet();
  collect(sources.variables, false, found, 0);
  if (typeof sources.query === 'string') {
    for (const literal of inlineLiterals(sources.query)) for (const value of valuesOf(literal)) found.add(value);
  }
  return found.list();
}

/**
 * Every string in `value` under a key (at any depth) whose name says token, secret, password or
 * authorization, bounded as `requestSecrets`' (throws the same refusal).
 */
export function namedSecrets(value: unknown): string[] {
  const found = new SecretSet();
  collect(value, false, found, 0);
  return found.list();
}

class SecretSet {
  private readonly secrets = new Set<string>();
  private chars = 0;

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.chars += secret.length;
    if (this.secrets.size > MAX_REQUEST_SECRETS || this.chars > MAX_REQUEST_SECRET_CHARS) throw tooManySecrets();
  }

  list(): string[] {
    return [...this.secrets];
  }
}

function tooManySecrets(): GraphQLError {
  return gatewayError(
    'BAD_USER_INPUT',
    `Too many secrets: the strings under variables, arguments or connectionParams named like a secret ` +
      `(token, secret, password, authorization) are scrubbed from every log line while the operation runs, ` +
      `so one operation may carry at most ${MAX_REQUEST_SECRETS} distinct ones of ${MIN_SECRET_LENGTH} characters ` +
      `or more, ${MAX_REQUEST_SECRET_CHARS} characters in all.`,
    { http: { status: 400 } },
  );
}

function collect(value: unknown, secret: boolean, out: SecretSet, depth: number): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    if (secret) out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, secret, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const credential = typeof item === 'string' && AUTHORIZATION.test(key) ? withoutScheme(item) : item;
      collect(credential, secret || SECRET_NAME.test(key), out, depth + 1);
    }
  }
}

const AUTHORIZATION = /authorization/i;
const SCHEME = /^\s*[A-Za-z][\w-]*\s+/;

/**
 * An Authorization value's credential, without its scheme (`Bearer abc…` → `abc…`): the credential is
 * what is scrubbed, in every form (secret-forms.ts), wherever it appears. Held with its scheme, a value
 * of `Bearer ` alone (an empty token) was a secret of seven characters, and the gateway's own refusal
 * of it ("must have the form \"Bearer <service token>\"") reached the caller garbled.
 */
function withoutScheme(value: string): string {
  return value.replace(SCHEME, '');
}

/** The literal as written and as its value, so that either form is scrubbed. */
function valuesOf(text: string): string[] {
  if (text.startsWith('"""') && text.length >= 6) {
    const inner = text.slice(3, -3);
    return [inner, inner.replaceAll('\\"""', '"""')];
  }
  if (!text.startsWith('"')) return [text];
  if (text.length < 2 || !text.endsWith('"')) return [text, text.slice(1)]; // an unterminated string
  const inner = text.slice(1, -1);
  try {
    return [inner, JSON.parse(text) as string];
  } catch {
    return [inner];
  }
}
