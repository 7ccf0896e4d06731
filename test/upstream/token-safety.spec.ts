/** The caller's token goes to the configured upstream origin only, and into no message or log. */
import { errors } from 'undici';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { UpstreamLogger } from '../../src/upstream/options.js';
import {
  CREDS,
  JOB_INPUT,
  ORG_PATH,
  TOKEN,
  everythingAbout,
  mockUpstream,
  rejectionOf,
  wireJob,
} from './mock-upstream.js';
import type { MockUpstream } from './mock-upstream.js';

let up: MockUpstream;
beforeEach(() => {
  up = mockUpstream({ retry: { maxAttempts: 2 } });
});
afterEach(() => up.close());

describe('token in errors and logs', () => {
  const failures: Array<[string, () => void]> = [
    [
      '400 echoing the token',
      () =>
        up.pool
          .intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' })
          .reply(400, { code: 'invalid_argument', message: `bad token ${TOKEN}` }),
    ],
    [
      '401',
      () =>
        up.pool
          .intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' })
          .reply(401, { code: 'unauthenticated', message: `token ${TOKEN} expired` }),
    ],
    [
      '500 echoing the token',
      () =>
        up.pool
          .intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' })
          .reply(500, { code: 'internal', message: TOKEN }),
    ],
    [
      'dropped connections',
      () =>
        up.pool
          .intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' })
          .replyWithError(new errors.SocketError('other side closed'))
          .times(2),
    ],
    [
      'schema mismatch',
      () => up.pool.intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' }).reply(200, wireJob({ status: TOKEN })),
    ],
  ];

  it.each(failures)('%s: the token is in no part of the error, nor in the logs', async (_, arrange) => {
    arrange();
    const error = await rejectionOf(up.client.getJob(CREDS, 'j'));
    expect(everythingAbout(error)).not.toContain(TOKEN);
    expect(JSON.stringify(up.logs)).not.toContain(TOKEN);
  });

  it('the echoed token is replaced, the rest of the sentence kept', async () => {
    failures[0]?.[1]();
    expect(await rejectionOf(up.client.getJob(CREDS, 'j'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'bad token [redacted]',
    });
  });

  it('a mismatch message quoting a body value that holds the token is redacted', async () => {
    up.pool.intercept({ path: `${ORG_PATH}/jobs/j`, method: 'GET' }).reply(200, wireJob({ created_at: TOKEN }));
    const error = await rejectionOf(up.client.getJob(CREDS, 'j'));
    expect((error as Error).message).toBe(
      'GET /jobs/{id}: unexpected response at created_at: not an ISO-8601 timestamp: "[redacted]"',
    );
  });

  it('a Hugging Face token echoed in a refusal is replaced too', async () => {
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs/j/exports/hugging-face`, method: 'POST' })
      .reply(400, { code: 'invalid_argument', message: 'huggingface_access_token: hf_SECRETSECRET is revoked' });
    const error = await rejectionOf(
      up.client.exportToHuggingFace(CREDS, 'j', { userId: 'u', accessToken: 'hf_SECRETSECRET', repositoryId: 'u/r' }),
    );
    expect(everythingAbout(error)).not.toContain('hf_SECRETSECRET');
  });

  it('a Hugging Face token holding a quote and a backslash, echoed JSON-escaped inside the message, is replaced', async () => {
    const hf = 'hf_QUOTE"and\\slash0123456789';
    const body = JSON.stringify({ huggingface_access_token: hf });
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs/j/exports/hugging-face`, method: 'POST' })
      .reply(400, { code: 'invalid_argument', message: `cannot read ${body} (${Buffer.from(hf).toString('base64')})` });
    const error = await rejectionOf(
      up.client.exportToHuggingFace(CREDS, 'j', { userId: 'u', accessToken: hf, repositoryId: 'u/r' }),
    );
    const escaped = JSON.stringify(hf).slice(1, -1);
    expect(everythingAbout(error)).not.toContain(escaped);
    expect(everythingAbout(error)).not.toContain(Buffer.from(hf).toString('base64').slice(0, 12));
    expect((error as Error).message).toContain('[redacted]');
  });

  it('a malformed token (a header injection) is refused without being echoed', async () => {
    const bad = `${TOKEN}\r\nx-evil: 1`;
    const error = await rejectionOf(up.client.getJob({ ...CREDS, token: bad }, 'j'));
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The service token is missing or malformed.' });
    expect(everythingAbout(error)).not.toContain(TOKEN);
    expect(await rejectionOf(up.client.getJob({ ...CREDS, token: '' }, 'j'))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('a pino logger fits the logger option', () => {
    const logger: UpstreamLogger = pino({ level: 'silent' });
    const client = createUpstreamClient({ baseUrl: 'http://upstream.test/api/v1', logger });
    expect(typeof client.getJob).toBe('function');
    return client.close();
  });
});

describe('where the token goes', () => {
  it('ids cannot steer a request to another origin or path: they are one encoded segment each', async () => {
    const evil = up.agent.get('http://evil.test');
    let evilHits = 0;
    evil
      .intercept({ path: () => true, method: () => true })
      .reply(() => (evilHits++, { statusCode: 200, data: '{}' }))
      .persist();
    const seen: Array<{ path: string; auth: string | undefined }> = [];
    up.pool
      .intercept({ path: () => true, method: 'GET' })
      .reply((opts) => {
        seen.push({ path: opts.path, auth: (opts.headers as Record<string, string>)['authorization'] });
        return { statusCode: 404, data: '{"code":"not_found","message":null}' };
      })
      .persist();

    for (const id of ['http://evil.test/x', '//evil.test', '@evil.test', '../../other-org/jobs/x', 'a/b?c#d', 'é x']) {
      await rejectionOf(up.client.getJob(CREDS, id));
    }
    await rejectionOf(up.client.listJobs({ ...CREDS, organizationId: 'other-org/../demo-org' }));

    expect(evilHits).toBe(0);
    expect(seen.map((s) => s.path)).toEqual([
      `${ORG_PATH}/jobs/http%3A%2F%2Fevil.test%2Fx`,
      `${ORG_PATH}/jobs/%2F%2Fevil.test`,
      `${ORG_PATH}/jobs/%40evil.test`,
      `${ORG_PATH}/jobs/..%2F..%2Fother-org%2Fjobs%2Fx`,
      `${ORG_PATH}/jobs/a%2Fb%3Fc%23d`,
      `${ORG_PATH}/jobs/%C3%A9%20x`,
      '/api/v1/organizations/other-org%2F..%2Fdemo-org/jobs',
    ]);
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('"." and ".." ids, which URL parsers collapse, fail as NOT_FOUND before any request', async () => {
    let hits = 0;
    up.pool
      .intercept({ path: () => true, method: () => true })
      .reply(() => (hits++, { statusCode: 200, data: '{}' }))
      .persist();
    for (const id of ['..', '.', '']) {
      expect(await rejectionOf(up.client.getJob(CREDS, id))).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await rejectionOf(up.client.cancelJob({ ...CREDS, organizationId: '..' }, 'j'))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(hits).toBe(0);
  });

  it('the download URL on another host is returned, never fetched', async () => {
    const storage = up.agent.get('https://storage.example.com');
    let storageHits = 0;
    storage
      .intercept({ path: () => true, method: () => true })
      .reply(() => (storageHits++, { statusCode: 200, data: '' }))
      .persist();
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs/j/download`, method: 'GET' })
      .reply(
        302,
        { download_url: 'https://storage.example.com/j.tar.gz' },
        { headers: { location: 'https://storage.example.com/j.tar.gz' } },
      );
    expect((await up.client.getDownloadUrl(CREDS, 'j')).host).toBe('storage.example.com');
    expect(storageHits).toBe(0);
  });

  it('every call carries the bearer token and asks for JSON', async () => {
    let headers: Record<string, string> = {};
    up.pool
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(
        (opts) => (
          (headers = opts.headers as Record<string, string>),
          { statusCode: 201, data: { dry_run: false, estimated_usage: { cost: 2, tokens: 1 }, job: wireJob() } }
        ),
      );
    await up.client.createJob(CREDS, JOB_INPUT);
    expect(headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, accept: 'application/json' });
  });
});

describe('options', () => {
  it.each([
    ['ftp://upstream.test/api/v1', 'protocol ftp:'],
    ['http://user:pw@upstream.test/api/v1', 'must not hold credentials'],
    ['upstream.test/api/v1', 'not an absolute URL'],
  ])('refuses baseUrl %s', (baseUrl, why) => {
    expect(() => createUpstreamClient({ baseUrl })).toThrow(why);
  });

  it('refuses a negative timeout and zero attempts', () => {
    expect(() => createUpstreamClient({ baseUrl: 'http://h/api', deadlineMs: -1 })).toThrow('deadlineMs');
    expect(() => createUpstreamClient({ baseUrl: 'http://h/api', retry: { maxAttempts: 0 } })).toThrow('maxAttempts');
  });
});
