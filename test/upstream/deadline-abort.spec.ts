import { errors } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../../src/upstream/sleep.js';
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

const jobsPath = `${ORG_PATH}/jobs`;
const created = { dry_run: false, estimated_usage: { cost: 2, tokens: 10 }, job: wireJob() };
/** Longer than any test may run: a call that resolves only through it would time the test out. */
const FOREVER = 600_000;

describe('job creation whose answer is lost', () => {
  it('the deadline passing after the request was sent → UPSTREAM_OUTCOME_UNKNOWN', async () => {
    await withOptions({ deadlineMs: 20 });
    up.pool.intercept({ path: jobsPath, method: 'POST' }).reply(201, created, JSON_HEADERS).delay(FOREVER);
    const error = await rejectionOf(up.client.createJob(CREDS, JOB_INPUT));
    expect(error).toMatchObject({ code: 'UPSTREAM_OUTCOME_UNKNOWN', operation: 'POST /jobs' });
    expect((error as Error).message).toContain('may or may not have taken effect');
  });

  it.each([
    ['socket closed', new errors.SocketError('other side closed')],
    ['headers timeout', new errors.HeadersTimeoutError()],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('%s → UPSTREAM_OUTCOME_UNKNOWN, one attempt only', async (_, failure) => {
    let count = 0;
    up.pool
      .intercept({ path: jobsPath, method: 'POST' })
      .reply(() => {
        count++;
        throw failure;
      })
      .persist();
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({
      code: 'UPSTREAM_OUTCOME_UNKNOWN',
    });
    expect(count).toBe(1);
  });

  it('a connection never made cannot have created anything → UPSTREAM_UNAVAILABLE', async () => {
    up.pool
      .intercept({ path: jobsPath, method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    up.pool.intercept({ path: jobsPath, method: 'POST' }).replyWithError(new errors.ConnectTimeoutError());
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it.each([502, 504, 500])(
    'an HTTP %i answer (the upstream may have acted) → UPSTREAM_OUTCOME_UNKNOWN telling to check jobs, one attempt',
    async (status) => {
      let count = 0;
      up.pool
        .intercept({ path: jobsPath, method: 'POST' })
        .reply(
          () => (
            count++,
            {
              statusCode: status,
              data: { code: 'unavailable', message: 'backend pool drained' },
              responseOptions: JSON_HEADERS,
            }
          ),
        )
        .persist();
      const error = await rejectionOf(up.client.createJob(CREDS, JOB_INPUT));
      expect(error).toMatchObject({ code: 'UPSTREAM_OUTCOME_UNKNOWN', status, operation: 'POST /jobs' });
      expect((error as Error).message).toBe(
        `POST /jobs: the fine-tuning service answered HTTP ${status} after receiving the request; it may or may not have taken effect. Check \`jobs\` before retrying.`,
      );
      expect(count).toBe(1);
    },
  );

  it.each([
    [503, 'UPSTREAM_UNAVAILABLE'], // refused before acting: safe to retry
    [408, 'UPSTREAM_UNAVAILABLE'], // the request never arrived whole
    [501, 'UPSTREAM_ERROR'],
  ] as const)('an HTTP %i answer said nothing was done → %s', async (status, code) => {
    up.pool
      .intercept({ path: jobsPath, method: 'POST' })
      .reply(status, { code: 'unavailable', message: null }, JSON_HEADERS);
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({ code, status });
  });

  it('a dry run answered 502 is retried, and ends UPSTREAM_UNAVAILABLE: it creates nothing', async () => {
    let count = 0;
    up.pool
      .intercept({ path: jobsPath, method: 'POST' })
      .reply(() => (count++, { statusCode: 502, data: '{}' }))
      .persist();
    expect(await rejectionOf(up.client.estimateJob(CREDS, JOB_INPUT))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      status: 502,
    });
    expect(count).toBe(3);
  });

  it('a dry run that times out is merely unavailable: it creates nothing', async () => {
    await withOptions({ deadlineMs: 20 });
    up.pool.intercept({ path: jobsPath, method: 'POST' }).reply(200, {}).delay(FOREVER);
    expect(await rejectionOf(up.client.estimateJob(CREDS, JOB_INPUT))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});

describe('deadline', () => {
  it('covers a slow answer to a GET → UPSTREAM_UNAVAILABLE naming the deadline', async () => {
    await withOptions({ deadlineMs: 20 });
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(200, wireJob(), JSON_HEADERS)
      .delay(FOREVER);
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((error as Error).message).toBe('GET /jobs/{id}: the fine-tuning service did not answer within 20 ms.');
  });

  it('covers retries and their sleeps (real sleep, cut short by the deadline)', async () => {
    await withOptions({
      deadlineMs: 30,
      sleep,
      retry: { maxAttempts: 10, baseDelayMs: 25, maxDelayMs: 25 },
      random: () => 0.9,
    });
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(503, '{}')
      .persist();
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('a call may set its own deadline', async () => {
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(200, wireJob(), JSON_HEADERS)
      .delay(FOREVER);
    expect(await rejectionOf(up.client.getJob(CREDS, 'job-1', { deadlineMs: 10 }))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
  });
});

describe('abort', () => {
  it('rejects promptly with the signal reason (an AbortError) while waiting for the answer', async () => {
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(200, wireJob(), JSON_HEADERS)
      .delay(FOREVER);
    const controller = new AbortController();
    const pending = up.client.getJob(CREDS, 'job-1', { signal: controller.signal });
    setImmediate(() => controller.abort());
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('passes a custom reason through unchanged', async () => {
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(200, wireJob(), JSON_HEADERS)
      .delay(FOREVER);
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = up.client.getJob(CREDS, 'job-1', { signal: controller.signal });
    setImmediate(() => controller.abort(reason));
    expect(await rejectionOf(pending)).toBe(reason);
  });

  it('cuts a retry sleep short', async () => {
    await withOptions({ sleep, retry: { maxAttempts: 3, baseDelayMs: FOREVER, maxDelayMs: FOREVER } });
    const controller = new AbortController();
    up.pool.intercept({ path: `${jobsPath}/job-1`, method: 'GET' }).reply(() => {
      setImmediate(() => controller.abort());
      return { statusCode: 503, data: '{}' };
    });
    const error = await rejectionOf(
      up.client.getJob(CREDS, 'job-1', { signal: controller.signal, deadlineMs: FOREVER }),
    );
    expect((error as Error).name).toBe('AbortError');
  });

  it('an already aborted signal sends nothing', async () => {
    let count = 0;
    up.pool
      .intercept({ path: `${jobsPath}/job-1`, method: 'GET' })
      .reply(() => (count++, { statusCode: 200, data: wireJob() }))
      .persist();
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1', { signal: AbortSignal.abort() }));
    expect((error as Error).name).toBe('AbortError');
    expect(count).toBe(0);
  });

  it('aborting a job creation mid-flight is logged as an unknown outcome', async () => {
    up.pool.intercept({ path: jobsPath, method: 'POST' }).reply(201, created, JSON_HEADERS).delay(FOREVER);
    const controller = new AbortController();
    const pending = up.client.createJob(CREDS, JOB_INPUT, { signal: controller.signal });
    setImmediate(() => controller.abort());
    expect((await rejectionOf(pending)) as Error).toHaveProperty('name', 'AbortError');
    expect(up.logs.some((l) => l.level === 'warn' && l.fields['operation'] === 'POST /jobs')).toBe(true);
  });
});
