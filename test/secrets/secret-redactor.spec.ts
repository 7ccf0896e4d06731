/**
 * The redactor keeps the patterns of the sets of secrets held lately: whatever set is held when a line
 * is scrubbed, every secret in it (and only what is held) is scrubbed, across more sets than it keeps.
 */
import { describe, expect, it } from 'vitest';
import { createSecretRedactor } from '../../src/secrets/secret-redactor.js';

describe('the secret redactor', () => {
  it('scrubs exactly the secrets held now, across many sets held in turn and again', () => {
    const redactor = createSecretRedactor();
    const tokens = Array.from({ length: 100 }, (_, i) => `token-${i}-${'x'.repeat(i % 7)}-secret`);
    for (const round of [0, 1]) {
      for (let i = 0; i < tokens.length; i++) {
        const pair = [tokens[i]!, tokens[(i * 7 + round) % tokens.length]!];
        const other = tokens[(i + 50) % tokens.length]!;
        const release = redactor.hold(pair);
        const line = `a ${pair[0]} b ${pair[1]} c ${other}`;
        const scrubbed = redactor.scrub(line);
        for (const token of pair) expect(scrubbed).not.toContain(token);
        if (!pair.includes(other)) expect(scrubbed).toContain(other);
        release();
        expect(redactor.scrub(line)).toBe(line);
      }
    }
  });

  it('leaves a JSON line valid when a held value is made of its structure, and still scrubs it inside strings', () => {
    // Regression: a variable named like a secret, `","method":"POST"`, held while its request ran,
    // rewrote the `","method":"POST"` of every log line (other callers' too) into invalid JSON.
    const redactor = createSecretRedactor();
    const structural = '","method":"POST"';
    const release = redactor.hold([structural, 'plain-secret-123']);
    const line = JSON.stringify({ requestId: 'r1', method: 'POST', path: '/graphql', note: 'plain-secret-123' });
    const scrubbed = redactor.scrubJson(line);
    expect(JSON.parse(scrubbed)).toEqual({ requestId: 'r1', method: 'POST', path: '/graphql', note: '[redacted]' });
    // Inside a string the value is escaped, and that form is scrubbed.
    const echoed = JSON.stringify({ message: `upstream said ${structural}` });
    expect(JSON.parse(redactor.scrubJson(echoed))).toEqual({ message: 'upstream said [redacted]' });
    // Free text (an error's message before it is serialised) keeps every form.
    expect(redactor.scrub(`upstream said ${structural}`)).toBe('upstream said [redacted]');
    release();
    expect(redactor.scrubJson(line)).toBe(line);
  });
});
