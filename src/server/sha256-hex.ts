import { createHash } from 'node:crypto';

/** The SHA-256 of a document's text, in lower-case hex: the persisted-query protocol's hash. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
