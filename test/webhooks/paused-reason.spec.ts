/**
 * A PAUSED endpoint's `stateReason`: why the upstream refused its stored credentials, and what its
 * owner does (update the endpoint, which stores their current credentials). The trial found the
 * live-update engine's advice to a subscriber there ("subscribe again with a fresh token"): an
 * endpoint has no subscription, and its owner read advice that does not apply. paused.spec.ts shows
 * the expired token's reason through the API; this one the other refusals.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { tokenExpiredError } from '../../src/live/open-stream.js';
import { errorFromResponse } from '../../src/upstream/map-error.js';
import { pausedReason } from '../../src/webhooks/paused-reason.js';

const NOW = Date.parse('2026-12-07T10:00:00.000Z');
const RESUME =
  "Its jobs are not watched until its owner updates it (updateWebhookEndpoint) with credentials the upstream accepts: any update stores the caller's current credentials in place of these, and resumes the endpoint; moves made meanwhile are still sent.";

const jwt = (exp: number) =>
  new SignJWT({ organization_id: 'org' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode('paused-reason-secret-with-enough-bytes'));

describe("a paused endpoint's stateReason", () => {
  it('names the expiry of a stored token that has expired, never the engine’s advice to subscribe again', async () => {
    const token = await jwt(NOW / 1000 - 60);
    expect(pausedReason(tokenExpiredError(), token, NOW)).toBe(
      `The upstream refused the stored credentials (UNAUTHENTICATED): the stored token expired at 2026-12-07T09:59:00.000Z. ${RESUME}`,
    );
  });

  it("quotes the upstream's own answer", () => {
    const refused = errorFromResponse(
      {
        status: 403,
        headers: {},
        text: JSON.stringify({ code: 'permission_denied', message: 'Organization suspended.' }),
      },
      'GET /organizations/{organization_id}/jobs',
      undefined,
    );
    expect(pausedReason(refused, 'opaque-token', NOW)).toBe(
      `The upstream refused the stored credentials (FORBIDDEN): the upstream answered HTTP 403: Organization suspended. ${RESUME}`,
    );
  });

  it('says only the code of a refusal that is not an answer of the upstream, and never the token', async () => {
    const token = await jwt(NOW / 1000 + 3_600);
    const reason = pausedReason(tokenExpiredError(), token, NOW);
    expect(reason).toBe(
      `The upstream refused the stored credentials (UNAUTHENTICATED): the stored credentials are not accepted. ${RESUME}`,
    );
    expect(reason).not.toContain(token);
  });
});
