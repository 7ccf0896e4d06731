/**
 * The `exp` claim of a service token, read without verifying the signature (the upstream verifies;
 * the gateway only needs to know when to stop serving a token). Null for tokens that are not JWTs or
 * carry no numeric `exp`.
 *
 * jose's `decodeJwt` does the decoding; what stays here is the gateway's reading of it, shared by the
 * caller cache and live updates: an opaque token (where jose throws) has no expiry we can know, and
 * `decodeJwt` checks no claim's type.
 */
import { decodeJwt } from 'jose';

export function jwtExpiry(token: string): number | null {
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    return null;
  }
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
}
