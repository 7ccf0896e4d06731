/**
 * A new signing secret in the Standard Webhooks form: `whsec_` and the base64 of 24 random bytes (192
 * bits, what the standard's reference libraries make). Shown to the caller once, in the answer of the
 * mutation that made it; the store keeps it sealed and never gives it back to a resolver.
 */
import { randomBytes } from 'node:crypto';

export const SIGNING_SECRET_BYTES = 24;

export function newSigningSecret(): string {
  return `whsec_${randomBytes(SIGNING_SECRET_BYTES).toString('base64')}`;
}
