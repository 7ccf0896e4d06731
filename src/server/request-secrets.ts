/**
 * The secrets one operation carries, for the redactor to hold while it runs (src/secrets), besides
 * its caller's (caller.ts): every string under a variable, or an argument written inline in the
 * document, whose name says token, secret or password (`accessToken`). Found by name rather than by a
 * list of fields, so that a new input holding a secret is covered when it is added.
 */

const SECRET_NAME = /token|secret|password|authorization/i;

/**
 * Inline arguments: `accessToken: "…"` or a block string; GraphQL's escapes are JSON's (but `\u{…}`).
 * Between the name, the colon and the value, whatever GraphQL ignores: white space, commas, comments.
 */
const IGNORED = String.raw`(?:[\s,\uFEFF]|#[^\n\r]*)*`;
const INLINE_SECRET = new RegExp(
  String.raw`(\w*(?:token|secret|password)\w*)${IGNORED}:${IGNORED}("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|[^\s,)}\]]+)`,
  'gi',
);

export interface RequestSecretSources {
  variables?: unknown;
  query?: unknown;
}

export function requestSecrets(sources: RequestSecretSources): string[] {
  const out = namedSecrets(sources.variables);
  if (typeof sources.query === 'string') {
    for (const match of sources.query.matchAll(INLINE_SECRET)) out.push(...literal(match[2]!));
  }
  return out;
}

/** Every string in `value` under a key (at any depth) whose name says token, secret, password or authorization. */
export function namedSecrets(value: unknown): string[] {
  const out: string[] = [];
  collect(value, false, out, 0);
  return out;
}

function collect(value: unknown, secret: boolean, out: string[], depth: number): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    if (secret) out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, secret, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collect(item, secret || SECRET_NAME.test(key), out, depth + 1);
  }
}

/** The literal as written and as its value, so that either form is scrubbed. */
function literal(text: string): string[] {
  if (text.startsWith('"""')) return [text.slice(3, -3)];
  if (!text.startsWith('"')) return [text];
  const inner = text.slice(1, -1);
  try {
    return [inner, JSON.parse(text) as string];
  } catch {
    return [inner];
  }
}
