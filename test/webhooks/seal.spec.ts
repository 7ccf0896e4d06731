/**
 * Sealing (src/webhooks/seal.ts): a round trip, a fresh IV per value, and refusals, without the
 * value in the message, of a value sealed under another key or context, altered, truncated, or of an
 * unknown version; a key that is not 32 bytes is refused at once.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SealError, createSealer, openSealed, sealValue } from '../../src/webhooks/seal.js';

const key = randomBytes(32);
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const context = 'webhook endpoint 3f1c signing secret';

function refusal(run: () => unknown): SealError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SealError);
    expect((error as Error).message).not.toContain(secret);
    return error as SealError;
  }
  throw new Error('expected a SealError');
}

describe('seal', () => {
  it('opens what it sealed, with a fresh IV each time and a version prefix', () => {
    const first = sealValue(key, secret, context);
    const second = sealValue(key, secret, context);
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain(secret);
    expect(openSealed(key, first, context)).toBe(secret);
    expect(openSealed(key, second, context)).toBe(secret);
    // 12-byte IV + ciphertext as long as the text + 16-byte tag.
    expect(Buffer.from(first.slice(3), 'base64url')).toHaveLength(12 + secret.length + 16);
    const sealer = createSealer(key);
    expect(sealer.open(sealer.seal('', context), context)).toBe('');
    expect(sealer.open(sealer.seal('ünïcödé ✓', context), context)).toBe('ünïcödé ✓');
  });

  it('refuses another key, another context, altered bytes, a truncated value and an unknown version', () => {
    const sealed = sealValue(key, secret, context);
    expect(refusal(() => openSealed(randomBytes(32), sealed, context)).message).toBe(
      `a sealed value of ${context} does not open: it was sealed with another key, or it was altered`,
    );
    refusal(() => openSealed(key, sealed, 'webhook endpoint 9999 signing secret'));
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 0x80;
      refusal(() => openSealed(key, `v1.${altered.toString('base64url')}`, context));
    }
    expect(
      refusal(() => openSealed(key, `v1.${bytes.subarray(0, 20).toString('base64url')}`, context)).message,
    ).toMatch(/truncated/);
    expect(refusal(() => openSealed(key, `v2.${bytes.toString('base64url')}`, context)).message).toMatch(
      /no known version \(expected v1\)/,
    );
    expect(refusal(() => openSealed(key, secret, context)).message).toMatch(/no known version/);
  });

  it('takes a 32-byte key only', () => {
    expect(() => createSealer(randomBytes(16))).toThrow('the sealing key must be 32 bytes, not 16');
    expect(() => sealValue(randomBytes(31), secret, context)).toThrow(/32 bytes/);
  });
});
