/**
 * The Standard Webhooks signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each
 * signing secret in force, space-separated, so that a receiver holding either secret during a
 * rotation verifies the delivery. The `standardwebhooks` package computes each signature, the same
 * code receivers verify with.
 */
import { Webhook } from 'standardwebhooks';

/** The `webhook-signature` value; `secrets` are `whsec_…` (base64 after the prefix), current first. */
export function signatureHeader(id: string, timestamp: Date, body: string, secrets: readonly string[]): string {
  if (secrets.length === 0) throw new TypeError('signatureHeader: no signing secret in force');
  return secrets.map((secret, index) => signerOf(secret, index).sign(id, timestamp, body)).join(' ');
}

function signerOf(secret: string, index: number): Webhook {
  try {
    return new Webhook(secret);
  } catch {
    // The package's own message is safe, but says nothing of which secret; never echo the secret itself.
    throw new TypeError(`signing secret ${index + 1} is not a Standard Webhooks secret (whsec_ then base64)`);
  }
}
