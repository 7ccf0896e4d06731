/**
 * What a PAUSED endpoint's `stateReason` says: why the upstream refused its stored credentials, and
 * what its owner does about it. The refusal reaches the watcher as the live-update engine's error,
 * whose words are written for a subscriber ("subscribe again with a fresh token"); an endpoint has no
 * subscription to open again: its owner updates it (`updateWebhookEndpoint`), which stores the
 * caller's current credentials in place of the refused ones and resumes watching. So the engine's
 * sentence is never repeated: only the upstream's own (an answer it gave: `status` set), or the code.
 */
import type { UpstreamError } from '../upstream/errors.js';
import { jwtExpiry } from '../upstream/jwt-expiry.js';

const RESUME =
  'Its jobs are not watched until its owner updates it (updateWebhookEndpoint) with credentials the upstream accepts: ' +
  "any update stores the caller's current credentials in place of these, and resumes the endpoint; " +
  'moves made meanwhile are still sent.';

/** Why the stored credentials were refused: their token's expiry, the upstream's answer, or the code alone. */
function refusal(error: UpstreamError, token: string, now: number): string {
  const expiresAt = jwtExpiry(token);
  if (expiresAt !== null && expiresAt <= now) return `the stored token expired at ${new Date(expiresAt).toISOString()}`;
  if (error.status === undefined) return 'the stored credentials are not accepted';
  return `the upstream answered HTTP ${error.status}: ${error.message.replace(/[\s.]+$/, '')}`;
}

/** The `stateReason` of an endpoint paused on `error` (UNAUTHENTICATED, FORBIDDEN); never holds the token. */
export function pausedReason(error: UpstreamError, token: string, now: number): string {
  return `The upstream refused the stored credentials (${error.code}): ${refusal(error, token, now)}. ${RESUME}`;
}
