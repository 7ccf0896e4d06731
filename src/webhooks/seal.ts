/**
 * Sealing of the secrets the webhook store keeps at rest (signing secrets, the owner's upstream
 * credentials): AES-256-GCM under the gateway's key (WEBHOOK_ENCRYPTION_KEY, or the embedded
 * database's generated key), a fresh random 12-byte IV per value, the 16-byte tag checked on opening,
 * and a context (the endpoint id and the field) as additional data, so that a sealed value copied to
 * another row or column does not open there. Text form: `v1.` + base64url(IV ‖ ciphertext ‖ tag).
 *
 * Failures never carry the value, sealed or open: a message names what could not be opened and why.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A sealed value that does not open: another key, another context, or altered bytes. */
export class SealError extends Error {
  override readonly name = 'SealError';
}

export interface Sealer {
  /** `context` must be given again, identical, to open the value. */
  seal(plaintext: string, context: string): string;
  /** Throws SealError (without the value) when the value does not open under this key and context. */
  open(sealed: string, context: string): string;
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`the sealing key must be ${KEY_BYTES} bytes, not ${key.length}`);
}

export function sealValue(key: Buffer, plaintext: string, context: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

export function openSealed(key: Buffer, sealed: string, context: string): string {
  checkKey(key);
  const dot = sealed.indexOf('.');
  const version = dot < 0 ? '' : sealed.slice(0, dot);
  if (version !== VERSION)
    throw new SealError(`a sealed value of ${context} has no known version (expected ${VERSION})`);
  const bytes = Buffer.from(sealed.slice(dot + 1), 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealError(`a sealed value of ${context} is truncated`);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    // OpenSSL's own message ("Unsupported state or unable to authenticate data") says nothing useful.
    throw new SealError(
      `a sealed value of ${context} does not open: it was sealed with another key, or it was altered`,
    );
  }
}

/** A sealer bound to one key (a 32-byte Buffer), checked now rather than at the first value. */
export function createSealer(key: Buffer): Sealer {
  checkKey(key);
  const copy = Buffer.from(key);
  return {
    seal: (plaintext, context) => sealValue(copy, plaintext, context),
    open: (sealed, context) => openSealed(copy, sealed, context),
  };
}
