import { errors } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from '../../src/upstream/retry.js';
import { CREDS, JOB_INPUT, JSON_HEADERS, ORG_PATH, mockUpstream, rejectionOf, wireJob } from './mock-upstream.js';
import type { MockUpstream } from './mock-upstream.js';

let up: MockUpstream;
beforeEach(() => {
  up = mockUpstream();
});
afterEach(() => up.close());

async function withOptions(options: Parameters<typeof mockUpstream>[0]): Promise<void> {
  await up.close();
  up = mockUpstream(options);
}

const unavailable = JSON.stringify({ code: 'unavailable', message: null });
const limited = JSON.stringify({ code: 'resource_exhausted', message: 'rate limit' });
const jobPath = `${ORG_PATH}/jobs/job-1`;

/** Counts the requests that reach `path`, whatever they are answered. */
function counting(): { count: number; bump: () => void } {
  const c = { count: 0, bump: () => void c.count++ };
  return c;
}

describe('backoff', () => {
  it('full jitter: a random share of an exponential ceiling, capped', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(100);
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-14T12:00:00Z');
    expect(parseRetryAfter({ 'retry-after': '3' }, now)).toBe(3);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 14 Jan 2026 12:00:10 GMT' }, now)).toBe(10);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 14 Jan 2026 11:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-1' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});

describe('retries of idempotent calls', () => {
  it('503, 502, then 200: three attempts with growing jittered backoff', async () => {
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(503, unavailable);
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(502, 'bad gateway');
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    const job = await up.client.getJob(CREDS, 'job-1');
    expect(job.id).toBe('job-1');
    expect(up.delays).toEqual([50, 100]); // random 0.5 × 100, × 200
  });

  it('gives up after maxAttempts with UPSTREAM_UNAVAILABLE', async () => {
    const c = counting();
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(() => (c.bump(), { statusCode: 503, data: unavailable }))
      .persist();
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(c.count).toBe(3);
    expect(up.logs.some((l) => l.level === 'warn' && l.fields['operation'] === 'GET /jobs/{id}')).toBe(true);
  });

  it('honours Retry-After (seconds) on 429 instead of the backoff', async () => {
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(429, limited, { headers: { 'retry-after': '2' } });
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    await up.client.getJob(CREDS, 'job-1');
    expect(up.delays).toEqual([2_000]);
  });

  it('honours Retry-After given as an HTTP date, on the injected clock', async () => {
    const now = Date.parse('2026-01-14T12:00:00Z');
    await withOptions({ now: () => now });
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(503, unavailable, { headers: { 'retry-after': 'Wed, 14 Jan 2026 12:00:04 GMT' } });
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    await up.client.getJob(CREDS, 'job-1');
    expect(up.delays).toEqual([4_000]);
  });

  it('a Retry-After beyond the deadline fails at once with RATE_LIMITED, without sleeping', async () => {
    await withOptions({ deadlineMs: 5_000 });
    const c = counting();
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(
        () => (c.bump(), { statusCode: 429, data: limited, responseOptions: { headers: { 'retry-after': '30' } } }),
      )
      .persist();
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
    expect(up.delays).toEqual([]);
    expect(c.count).toBe(1);
  });

  it('a 429 that persists ends as RATE_LIMITED with the last Retry-After', async () => {
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(429, limited, { headers: { 'retry-after': '1' } })
      .times(3);
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(up.delays).toEqual([1_000, 1_000]);
  });

  it('retries a dropped connection on GET', async () => {
    up.pool.intercept({ path: jobPath, method: 'GET' }).replyWithError(new errors.SocketError('other side closed'));
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    expect((await up.client.getJob(CREDS, 'job-1')).id).toBe('job-1');
    expect(up.delays).toHaveLength(1);
  });

  it('a single 500 on a GET is tried again once, after the backoff, and the call succeeds', async () => {
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(500, '{"code":"internal"}');
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    expect((await up.client.getJob(CREDS, 'job-1')).id).toBe('job-1');
    expect(up.delays).toEqual([50]);
    expect(up.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('a 500 that lasts: two attempts, not three, then UPSTREAM_ERROR', async () => {
    const c = counting();
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(() => (c.bump(), { statusCode: 500, data: '{}' }))
      .persist();
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1'))).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
    expect(c.count).toBe(2);
  });

  it('a retried 500 stays within the deadline: no retry whose backoff would end past it', async () => {
    let clock = 0;
    await withOptions({
      now: () => clock,
      deadlineMs: 1_000,
      retry: { baseDelayMs: 800, maxDelayMs: 800 },
      random: () => 0.99,
    });
    const c = counting();
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(() => (c.bump(), (clock += 300), { statusCode: 500, data: '{}' }))
      .persist();
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1'))).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(c.count).toBe(1);
    expect(up.delays).toEqual([]);
  });

  it('a connection reset on a GET is tried again', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    up.pool.intercept({ path: jobPath, method: 'GET' }).replyWithError(reset);
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob(), JSON_HEADERS);
    expect((await up.client.getJob(CREDS, 'job-1')).id).toBe('job-1');
    expect(up.delays).toHaveLength(1);
  });

  it('does not retry a 4xx', async () => {
    const c = counting();
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(() => (c.bump(), { statusCode: 404, data: '{"code":"not_found"}' }))
      .persist();
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(c.count).toBe(1);
  });

  it('stops retrying when the next backoff would pass the deadline', async () => {
    let clock = 0;
    await withOptions({
      now: () => clock,
      deadlineMs: 1_000,
      retry: { maxAttempts: 5, baseDelayMs: 800, maxDelayMs: 800 },
      random: () => 0.99,
    });
    up.pool
      .intercept({ path: jobPath, method: 'GET' })
      .reply(() => ((clock += 300), { statusCode: 503, data: unavailable }))
      .persist();
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(up.delays).toEqual([]); // 300 ms spent, 792 ms asked, 1 000 ms deadline
  });
});

describe('calls that are not retried', () => {
  it('job creation: a 503 is answered once', async () => {
    const c = counting();
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(() => (c.bump(), { statusCode: 503, data: unavailable }))
      .persist();
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(c.count).toBe(1);
    expect(up.delays).toEqual([]);
  });

  it('job creation: a 429 is answered once, RATE_LIMITED', async () => {
    const c = counting();
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(() => (c.bump(), { statusCode: 429, data: limited, responseOptions: { headers: { 'retry-after': '1' } } }))
      .persist();
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 1,
    });
    expect(c.count).toBe(1);
  });

  it('job creation: a 500 is answered once, UPSTREAM_OUTCOME_UNKNOWN (it may have created the job)', async () => {
    const c = counting();
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(() => (c.bump(), { statusCode: 500, data: '{}' }))
      .persist();
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({
      code: 'UPSTREAM_OUTCOME_UNKNOWN',
    });
    expect(c.count).toBe(1);
    expect(up.delays).toEqual([]);
  });

  it('dataset creation and exports: one attempt', async () => {
    const c = counting();
    up.pool
      .intercept({ path: `${ORG_PATH}/datasets`, method: 'POST' })
      .reply(() => (c.bump(), { statusCode: 503, data: unavailable }))
      .persist();
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs/job-1/exports/hugging-face`, method: 'POST' })
      .reply(() => (c.bump(), { statusCode: 503, data: unavailable }))
      .persist();
    await rejectionOf(up.client.createDataset(CREDS, { name: 'd', trainingFileId: 'f' }));
    await rejectionOf(
      up.client.exportToHuggingFace(CREDS, 'job-1', { userId: 'u', accessToken: 'hf_x', repositoryId: 'u/r' }),
    );
    expect(c.count).toBe(2);
  });

  it('a dry run creates nothing, so it is retried', async () => {
    up.pool.intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' }).reply(503, unavailable);
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(200, { dry_run: true, estimated_usage: { cost: 2, tokens: 1234 }, job: null }, JSON_HEADERS);
    expect(await up.client.estimateJob(CREDS, JOB_INPUT)).toEqual({ cost: 2, tokens: 1234 });
    expect(up.delays).toHaveLength(1);
  });
});

describe('repeats after a lost answer', () => {
  it('cancel: a 409 after a lost attempt reads the job back and returns it when cancelled', async () => {
    up.pool
      .intercept({ path: `${jobPath}/cancel`, method: 'POST' })
      .replyWithError(new errors.SocketError('other side closed'));
    up.pool
      .intercept({ path: `${jobPath}/cancel`, method: 'POST' })
      .reply(409, { code: 'failed_precondition', message: 'job job-1 is cancelled' });
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob({ status: 'cancelled' }), JSON_HEADERS);
    expect((await up.client.cancelJob(CREDS, 'job-1')).status).toBe('cancelled');
  });

  it('cancel: a 409 after a lost attempt on a job that completed stays CONFLICT', async () => {
    up.pool.intercept({ path: `${jobPath}/cancel`, method: 'POST' }).reply(504, 'gateway timeout');
    up.pool
      .intercept({ path: `${jobPath}/cancel`, method: 'POST' })
      .reply(409, { code: 'failed_precondition', message: 'job job-1 is completed' });
    up.pool.intercept({ path: jobPath, method: 'GET' }).reply(200, wireJob({ status: 'completed' }), JSON_HEADERS);
    expect(await rejectionOf(up.client.cancelJob(CREDS, 'job-1'))).toMatchObject({ code: 'CONFLICT' });
  });

  it('cancel: a 409 on the first attempt is CONFLICT with the upstream message, no read-back', async () => {
    up.pool
      .intercept({ path: `${jobPath}/cancel`, method: 'POST' })
      .reply(409, { code: 'failed_precondition', message: 'job job-1 is completed' });
    expect(await rejectionOf(up.client.cancelJob(CREDS, 'job-1'))).toMatchObject({
      code: 'CONFLICT',
      message: 'job job-1 is completed',
    });
  });

  it('delete: a 404 after a lost attempt means it is gone, which was the point', async () => {
    up.pool
      .intercept({ path: `${ORG_PATH}/datasets/ds-1`, method: 'DELETE' })
      .replyWithError(new errors.SocketError('other side closed'));
    up.pool
      .intercept({ path: `${ORG_PATH}/datasets/ds-1`, method: 'DELETE' })
      .reply(404, { code: 'not_found', message: 'no dataset' });
    await expect(up.client.deleteDataset(CREDS, 'ds-1')).resolves.toBeUndefined();
  });

  it('delete: a 404 after a 500 means it is gone (the 500 may have deleted it)', async () => {
    up.pool.intercept({ path: `${ORG_PATH}/datasets/ds-1`, method: 'DELETE' }).reply(500, '{}');
    up.pool
      .intercept({ path: `${ORG_PATH}/datasets/ds-1`, method: 'DELETE' })
      .reply(404, { code: 'not_found', message: 'no dataset' });
    await expect(up.client.deleteDataset(CREDS, 'ds-1')).resolves.toBeUndefined();
  });

  it('delete: a plain 404 is NOT_FOUND', async () => {
    up.pool
      .intercept({ path: `${ORG_PATH}/datasets/ds-1`, method: 'DELETE' })
      .reply(404, { code: 'not_found', message: 'no dataset "ds-1"' });
    expect(await rejectionOf(up.client.deleteDataset(CREDS, 'ds-1'))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'no dataset "ds-1"',
    });
  });
});
