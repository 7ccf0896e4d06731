import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/errors.js';
import { CREDS, JSON_HEADERS, ORG_PATH, mockUpstream, rejectionOf } from './mock-upstream.js';
import type { MockUpstream } from './mock-upstream.js';

let up: MockUpstream;
beforeEach(() => {
  // One attempt: these cases are about mapping, not retrying.
  up = mockUpstream({ retry: { maxAttempts: 1 } });
});
afterEach(() => up.close());

async function answer(status: number, body: unknown, headers: Record<string, string> = {}): Promise<UpstreamError> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  up.pool
    .intercept({ path: `${ORG_PATH}/jobs/job-1`, method: 'GET' })
    .reply(status, data, { headers: { ...JSON_HEADERS.headers, ...headers } });
  const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('error mapping by status', () => {
  it.each([
    [400, 'invalid_argument', 'BAD_USER_INPUT', 'n_epochs: 25 is not an integer from 1 to 20'],
    [402, 'resource_exhausted', 'INSUFFICIENT_CREDIT', 'the estimate of $12.00 exceeds the $3.00 left'],
    [403, 'permission_denied', 'FORBIDDEN', 'this token may not act for organization other-org'],
    [404, 'not_found', 'NOT_FOUND', 'no job "job-1" in this organization'],
    [409, 'failed_precondition', 'CONFLICT', 'job job-1 is completed; it cannot be cancelled'],
    [413, 'invalid_argument', 'BAD_USER_INPUT', 'file: larger than the 50 MiB limit'],
    [415, 'invalid_argument', 'BAD_USER_INPUT', 'file: only text/csv is accepted'],
  ] as const)('%i %s → %s, keeping the message meant for users', async (status, upstreamCode, code, message) => {
    const error = await answer(status, { code: upstreamCode, message });
    expect(error).toMatchObject({ code, status, upstreamCode, operation: 'GET /jobs/{id}', message });
  });

  it('401 → UNAUTHENTICATED in the gateway words, naming the credential and quoting the upstream', async () => {
    const error = await answer(401, { code: 'unauthenticated', message: 'the token has expired' });
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, upstreamCode: 'unauthenticated' });
    expect(error.message).toBe(
      'Authorization: provider nscale refused the bearer token ("the token has expired"): send a valid Nscale ' +
        'service token as "Authorization: Bearer <token>" (over WebSocket, connectionParams "authorization").',
    );
  });

  it('402 and 429 share the envelope code resource_exhausted; the status decides', async () => {
    const credit = await answer(402, { code: 'resource_exhausted', message: 'not enough credit' });
    const limited = await answer(429, { code: 'resource_exhausted', message: 'slow down' }, { 'retry-after': '7' });
    expect(credit.code).toBe('INSUFFICIENT_CREDIT');
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7, status: 429 });
    expect(limited.message).toBe('Too many requests to the fine-tuning service. Retry after 7 s.');
  });

  it('a 500 message is internal: replaced by a generic sentence', async () => {
    const error = await answer(500, { code: 'internal', message: 'NullPointerException at JobService.java:42' });
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500, upstreamCode: 'internal' });
    expect(error.message).toBe('GET /jobs/{id}: the fine-tuning service failed to handle the request (HTTP 500).');
  });

  it.each([502, 503, 504])('%i → UPSTREAM_UNAVAILABLE', async (status) => {
    const error = await answer(status, { code: 'unavailable', message: 'backend pool drained' });
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status });
    expect(error.message).not.toContain('backend pool');
  });

  it.each([405, 418, 501])('an unexpected %i → UPSTREAM_ERROR', async (status) => {
    expect((await answer(status, { code: 'x', message: null })).code).toBe('UPSTREAM_ERROR');
  });

  it('the envelope of the live service, message null, still maps with a fallback sentence', async () => {
    const error = await answer(404, { code: 'not_found', message: null });
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'Not found.' });
  });

  it('an error body that is not the envelope maps by status alone', async () => {
    const error = await answer(400, '<html>Bad Request</html>');
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstreamCode: undefined,
      message: 'The fine-tuning service refused the request as invalid.',
    });
  });

  it('a very long upstream message is cut', async () => {
    const error = await answer(400, { code: 'invalid_argument', message: 'x'.repeat(5_000) });
    expect(error.message.length).toBe(1_000);
  });

  it('a 3xx where none is expected is an upstream error, not followed', async () => {
    const error = await answer(302, '', { location: 'http://elsewhere.test/' });
    expect(error.code).toBe('UPSTREAM_ERROR');
  });
});
