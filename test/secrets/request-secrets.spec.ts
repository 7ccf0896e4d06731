/**
 * The secrets an operation carries (src/server/request-secrets.ts): which inline arguments are found,
 * in time linear in the document whatever it holds, and the bound on what one operation may make the
 * redactor hold.
 *
 * Regressions (attacker trial): the regular expression that found inline secrets backtracked, on every
 * request before any limit: 4,000 characters of `token` took 12 s (an 8 KB anonymous request froze the
 * gateway 53 s), and `token` followed by 20 ` #` a minute. And 60,000 strings under an undeclared
 * variable `token` were all held, each scrubbed from every log line of every caller while held.
 */
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  inlineLiterals,
  MAX_REQUEST_SECRET_CHARS,
  MAX_REQUEST_SECRETS,
  namedSecrets,
  requestSecrets,
} from '../../src/server/request-secrets.js';

/** The expression used before, without comments (`#`) between the name and the value: its results are kept. */
const BEFORE = new RegExp(
  String.raw`(\w*(?:token|secret|password)\w*)[\s,\uFEFF]*:[\s,\uFEFF]*("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|[^\s,)}\]]+)`,
  'gi',
);

/** A string as JSON.parse makes it: flat, as a request's query is (not a rope of `repeat`). */
const flat = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

const MIB = 1 << 20;

describe('inline secrets in a document', () => {
  it.each([
    ['a string', 'mutation { export(input: { accessToken: "hf_abcdef123" }) { id } }', ['hf_abcdef123']],
    ['a string with escapes', String.raw`{ a(token: "hf_a\"b\u0041c") }`, [String.raw`hf_a\"b\u0041c`, 'hf_a"bAc']],
    ['a block string', '{ a(secretKey: """hf_block"value""") }', ['hf_block"value']],
    ['a block string with an escaped end', '{ a(token: """ab\\"""cd""") }', ['ab\\"""cd', 'ab"""cd']],
    ['a bare value', '{ a(accessToken: hf_InlineUnquoted7Rw2, b: 1) }', ['hf_InlineUnquoted7Rw2']],
    ['commas and comments between', '{ a(accessToken ,, # note\n : , # more\n "hf_commented") }', ['hf_commented']],
    ['any case, any word holding the name', '{ a(MY_PASSWORD_2: "hunter22", x: "not-a-secret") }', ['hunter22']],
    ['a name inside a comment', '# accessToken: "hf_in_comment"\n{ a }', ['hf_in_comment']],
    ['no colon after the name', '{ token { id } a(x: "not-a-secret") }', []],
    ['a colon only inside the comment after the name', '{ a(token # x: "not-a-secret"\n) }', []],
    ['a name with no value', '{ a(token: ) }', []],
  ])('%s', (_, query, expected) => {
    expect(requestSecrets({ query })).toEqual(expected);
  });

  it('finds what the expression used before found, on documents without comments (property)', () => {
    const piece = fc.constantFrom(
      'token',
      'Secret',
      'PASSWORD',
      'x',
      'ab',
      '_',
      ' ',
      ',',
      ':',
      '"',
      '"""',
      '\\',
      '\n',
      '\r',
      '\u2028',
      '\uFEFF',
      ')',
      '}',
      ']',
      'hf_abc',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const query = pieces.join('');
        fc.pre(!query.includes('\\"""')); // a block string's escape, which it did not know
        expect(inlineLiterals(query)).toEqual([...query.matchAll(BEFORE)].map((m) => m[2]));
      }),
      { numRuns: 5_000 },
    );
  });

  // Each of these took the expression used before hours or more (cubic or exponential); the scan reads
  // each character a bounded number of times, so a mebibyte (a request body's bound) is read at once.
  it.each([
    ['one word of `token`', () => 'token'.repeat(MIB / 5), []],
    ['`token` and ` #` after it', () => `token${' #'.repeat(MIB / 2)}`, []],
    ['`token`s with spaces, commas and comments, no colon', () => 'token , # x\n token\t'.repeat(MIB / 20), []],
    ['one comment line of `#token`', () => '#token '.repeat(MIB / 7), []],
    ['comment lines of `#token #`', () => `#token #${'x'.repeat(50)}\n`.repeat(MIB / 59), []],
    [
      'comment lines of `#token` before one colon with no value',
      () => `${'#token\n'.repeat(MIB / 14)}:${' '.repeat(MIB / 2)})`,
      [],
    ],
    ['colons with no value', () => 'token:)'.repeat(MIB / 7), []],
    ['a long block string left open', () => `{ a(token: """${'tok en '.repeat(MIB / 7)}`, ['""']],
    ['block strings left open', () => 'token: """ a '.repeat(MIB / 13), null],
    ['strings left open', () => 'token: "a b '.repeat(MIB / 12), null],
    ['a string of escaped quotes left open', () => `token: "${'\\"'.repeat(MIB / 2)}`, null],
  ])('%s, a mebibyte: read in one pass', (_, make, expected) => {
    const query = flat(make());
    const found = inlineLiterals(query);
    if (expected !== null) expect(found).toEqual(expected);
    else expect(found.length).toBeGreaterThan(0);
  });

  it('finds in a mebibyte of strings, open or not, what the expression found (which it could read)', () => {
    const lines = 'token: "a b token: """ c d password: "e\\"f\n x(secret: hf_bare) """ y """ z(token: """q\n'.repeat(
      2,
    );
    const long = flat(lines.repeat(MIB / lines.length));
    const found = inlineLiterals(long);
    expect(found.length).toBeGreaterThan(MIB / lines.length);
    expect(found).toEqual([...long.matchAll(BEFORE)].map((m) => m[2]));
  });
});

/** The refusal of an operation carrying more secrets than the bound. */
function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('the bound on the secrets of one operation', () => {
  const secrets = (n: number, length = 12) =>
    Array.from({ length: n }, (_, i) => `s${String(i).padStart(length - 1, '0')}`);

  it(`holds up to ${MAX_REQUEST_SECRETS} distinct secrets, found in variables and inline together`, () => {
    const inline = secrets(2).map((s) => `x${s}`);
    const query = `{ a(token: "${inline[0]}") b(token: ${inline[1]}) }`;
    const variables = { input: { accessToken: secrets(MAX_REQUEST_SECRETS - 2) }, other: ['not-a-secret'] };
    expect(requestSecrets({ variables, query }).sort()).toEqual(
      [...secrets(MAX_REQUEST_SECRETS - 2), ...inline].sort(),
    );
  });

  it('counts a secret once however often it is sent, and not the strings too short to be scrubbed', () => {
    const variables = {
      token: [...secrets(MAX_REQUEST_SECRETS), ...secrets(MAX_REQUEST_SECRETS)],
      authorization: Array.from({ length: 10_000 }, (_, i) => String(i % 100_000).padStart(5, '0')),
    };
    expect(requestSecrets({ variables, query: `{ a(token: "${secrets(1)[0]}") }` })).toHaveLength(MAX_REQUEST_SECRETS);
  });

  it.each([
    [
      'one secret too many in the variables',
      () => requestSecrets({ variables: { token: secrets(MAX_REQUEST_SECRETS + 1) } }),
    ],
    [
      'one secret too many, the last inline',
      () =>
        requestSecrets({ variables: { token: secrets(MAX_REQUEST_SECRETS) }, query: '{ a(token: "hf_one_more") }' }),
    ],
    [
      'too many characters in all',
      () => requestSecrets({ variables: { password: secrets(2, MAX_REQUEST_SECRET_CHARS / 2 + 1) } }),
    ],
    [
      'the attacker trial: 60,000 strings under an undeclared variable',
      () => requestSecrets({ variables: { token: secrets(60_000, 10) }, query: '{ __typename }' }),
    ],
    ['a WebSocket connection whose connectionParams hold too many', () => namedSecrets({ authToken: secrets(100) })],
  ])('refuses %s: BAD_USER_INPUT, HTTP 400, naming the rule and quoting none', (_, run) => {
    const error = refusal(run);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', http: { status: 400 } });
    expect(error.message).toContain(`at most ${MAX_REQUEST_SECRETS} distinct`);
    expect(error.message).toContain(`${MAX_REQUEST_SECRET_CHARS} characters in all`);
    expect(error.message).not.toMatch(/s0{3,}|hf_one_more/);
  });
});

/**
 * Regression (server-integrator trial): `connectionParams.authorization: "Bearer "` (an empty token) was
 * held as a secret of seven characters, and the gateway's own refusal of it reached the caller as
 * `must have the form "[redacted]<service token>"`. An Authorization value is held without its scheme.
 */
describe('an Authorization value', () => {
  it.each([
    [{ authorization: 'Bearer ' }, []],
    [{ Authorization: 'Bearer    ' }, []],
    [{ authorization: 'Bearer tok-abcdef' }, ['tok-abcdef']],
    [{ authorization: 'Basic dXNlcjpwYXNzd29yZA==' }, ['dXNlcjpwYXNzd29yZA==']],
    [{ authorization: 'raw-token-without-scheme' }, ['raw-token-without-scheme']],
    [{ proxyAuthorization: 'Bearer nested-token' }, ['nested-token']],
    [{ token: 'Bearer keeps-what-it-is' }, ['Bearer keeps-what-it-is']],
  ])('%j holds %j', (params, held) => {
    expect(namedSecrets(params)).toEqual(held);
  });
});
