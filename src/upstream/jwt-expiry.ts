/**
 * The `exp` claim of a service token, read without verifying the signature (the upstream verifies;
 * the gateway only needs to know when to stop serving a token). Null for tokens that are not JWTs or
 * carry no numeric `exp`.
 */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (
      payload &&
      typeof payload === 'object' &&
      'exp' in payload &&
      typeof payload.exp === 'number' &&
      Number.isFinite(payload.exp)
    ) {
      return payload.exp * 1000;
    }
  } catch {
    // Not a JWT: opaque tokens have no expiry the gateway can know.
  }
  return null;
}
