/**
 * The redactor's costs do not grow with what others hold, and what it scrubs is what one regular
 * expression of every form held would (secret-forms.ts `secretsPattern`): leftmost first, the longest
 * form there, in free text and in JSON.
 *
 * Regression (attacker trial): the one expression of every form held was built again at each change
 * of the set held and cost, per log line, time in proportion to every form held. 60,000 strings held
 * by one SSE stream made every other caller wait 4 s per request; 1,000 streams each holding its
 * caller's token cost each request 5 s of CPU for its one log line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFormTrie } from '../../src/secrets/form-trie.js';
import { createSecretRedactor } from '../../src/secrets/secret-redactor.js';
import { breaksJson, REDACTED, secretForms, secretsPattern } from '../../src/secrets/secret-forms.js';
import { tracesIn } from '../harness/secret-traces.js';

/** What the one expression of every form of `held` makes of `text`. */
function expected(text: string, held: Iterable<string>, inJson: boolean): string {
  const pattern = secretsPattern(held, { inJson });
  return pattern === null ? text : text.replace(pattern, REDACTED);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Strings over few characters, quotes and backslashes among them: forms that share prefixes and hold each other. */
const tight = (minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom('a', 'b', '"', '\\', 'é', '/'), { minLength, maxLength }).map((cs) => cs.join(''));

describe('the tree of forms', () => {
  it('replaces what one expression of the forms held replaces, through any adds and removes (property)', () => {
    const step = fc.record({ form: tight(1, 8), add: fc.boolean(), inJson: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.array(tight(0, 30), { minLength: 1, maxLength: 4 }),
        (steps, texts) => {
          const tree = createFormTrie();
          const held = new Map<string, number>();
          for (const { form, add } of steps) {
            const count = held.get(form) ?? 0;
            if (add) {
              tree.add(form, !breaksJson(form));
              held.set(form, count + 1);
            } else if (count > 0) {
              tree.remove(form);
              if (count === 1) held.delete(form);
              else held.set(form, count - 1);
            }
            for (const inJson of [false, true]) {
              const forms = [...held.keys()]
                .filter((f) => !inJson || !breaksJson(f))
                .sort((a, b) => b.length - a.length);
              const pattern = forms.length === 0 ? null : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
              for (const text of [...texts, forms.join('x')]) {
                expect(tree.replace(text, '#', inJson)).toBe(pattern === null ? text : text.replace(pattern, '#'));
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the redactor', () => {
  it('scrubs what the one expression of the secrets held now would, as few or many are held and released (property)', () => {
    // 4 to 24 secrets, held and released in any order and groups: across the few held (one expression)
    // and the many (the tree), and back.
    const pool = fc.uniqueArray(fc.oneof(tight(6, 12), fc.string({ minLength: 6, maxLength: 14 })), {
      minLength: 4,
      maxLength: 24,
    });
    // Each step holds 1 to 4 secrets of the pool, or (one in four) releases a holder.
    const step = fc.record({
      release: fc.nat(3),
      at: fc.nat(),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(pool, fc.array(step, { maxLength: 40 }), fc.string({ maxLength: 20 }), (secrets, steps, filler) => {
        const redactor = createSecretRedactor();
        const holders: Array<{ secrets: string[]; release: () => void }> = [];
        const heldNow = () => holders.flatMap((h) => h.secrets);
        for (const { release, at, picks } of steps) {
          if (release === 0 && holders.length > 0) holders.splice(at % holders.length, 1)[0]!.release();
          else {
            const mine = picks.map((pick) => secrets[pick % secrets.length]!);
            holders.push({ secrets: mine, release: redactor.hold(mine) });
          }
          // A line holding every form of every secret of the pool, held or not, in JSON and not.
          const forms = secrets.flatMap(secretForms);
          const text = `${filler}${forms.join(filler)}${filler}`;
          const json = JSON.stringify({ msg: text, forms });
          expect(redactor.scrub(text)).toBe(expected(text, heldNow(), false));
          expect(redactor.scrubJson(json)).toBe(expected(json, heldNow(), true));
        }
        for (const { release } of holders) release();
        const line = secrets.join(' ');
        expect(redactor.scrub(line)).toBe(line);
      }),
      { numRuns: 150 },
    );
  });

  it('1,000 streams each holding its caller’s token, then 1,000 requests each holding a new one: each line scrubbed of what is held', () => {
    const redactor = createSecretRedactor();
    const tokens = Array.from({ length: 1_000 }, (_, i) => `stream-token-${i}-${'k'.repeat(i % 13)}-Zq`);
    const releases = tokens.map((token) => redactor.hold([`Bearer ${token}`, token]));
    const line = (token: string, i: number) =>
      JSON.stringify({ level: 30, msg: 'request', token, other: tokens[i]!, basic: btoa(`u:${tokens[i]}`), free: 'x' });
    for (let i = 0; i < 1_000; i++) {
      const token = `request-token-${i}-Wv`;
      const release = redactor.hold([`Bearer ${token}`, token]);
      const scrubbed = redactor.scrubJson(line(token, i));
      expect(JSON.parse(scrubbed)).toMatchObject({
        level: 30,
        msg: 'request',
        token: REDACTED,
        other: REDACTED,
        free: 'x',
      });
      expect(JSON.parse(scrubbed).basic).toContain(REDACTED); // base64 at an offset
      expect(tracesIn(scrubbed, [token, tokens[i]!])).toEqual([]);
      release();
      expect(redactor.scrub(token)).toBe(token);
    }
    for (const release of releases) release();
    expect(redactor.scrub(tokens.join(' '))).toBe(tokens.join(' '));
  });
});
