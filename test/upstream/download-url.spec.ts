import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/errors.js';
import { CREDS, JSON_HEADERS, ORG_PATH, mockUpstream, rejectionOf } from './mock-upstream.js';
import type { MockUpstream } from './mock-upstream.js';

let up: MockUpstream;
beforeEach(() => {
  up = mockUpstream();
});
afterEach(() => up.close());

const path = `${ORG_PATH}/jobs/job-1/download`;
const S3 = 'https://storage.example.com/artifacts/job-1.tar.gz?X-Amz-Signature=abc';

function redirect(location: string | undefined, body: unknown, status = 302): void {
  const headers: Record<string, string> = { ...JSON_HEADERS.headers };
  if (location !== undefined) headers['location'] = location;
  up.pool
    .intercept({ path, method: 'GET' })
    .reply(status, typeof body === 'string' ? body : JSON.stringify(body), { headers });
}

async function refusal(): Promise<string> {
  const error = await rejectionOf(up.client.getDownloadUrl(CREDS, 'job-1'));
  expect(error).toBeInstanceOf(UpstreamError);
  expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', operation: 'GET /jobs/{id}/download' });
  return (error as Error).message;
}

describe('download URL', () => {
  it('reads the 302 without following it: Location and body agree', async () => {
    redirect(S3, { download_url: S3 });
    const url = await up.client.getDownloadUrl(CREDS, 'job-1');
    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe(S3);
  });

  it('Location alone, or the body alone, is enough', async () => {
    redirect(S3, '<a href="...">Found</a>');
    expect((await up.client.getDownloadUrl(CREDS, 'job-1')).href).toBe(S3);
    redirect(undefined, { download_url: S3 }, 200);
    expect((await up.client.getDownloadUrl(CREDS, 'job-1')).href).toBe(S3);
  });

  it('plain http is fine on the upstream host itself (a local simulator) and on loopback', async () => {
    redirect('http://upstream.test/__downloads/abc', { download_url: 'http://upstream.test/__downloads/abc' });
    expect((await up.client.getDownloadUrl(CREDS, 'job-1')).pathname).toBe('/__downloads/abc');
    for (const host of ['127.0.0.1:9000', 'localhost', '[::1]:8080']) {
      redirect(`http://${host}/x.tar.gz`, {});
      expect((await up.client.getDownloadUrl(CREDS, 'job-1')).protocol).toBe('http:');
    }
  });

  it.each([
    ['http://storage.example.com/x.tar.gz', 'plain http is allowed only for the upstream host or loopback'],
    ['https://user:secret@storage.example.com/x.tar.gz', 'it holds credentials'],
    ['javascript:alert(1)', 'protocol javascript: is not http: or https:'],
    ['file:///etc/passwd', 'protocol file: is not http: or https:'],
    ['/relative/x.tar.gz', 'not an absolute URL'],
    ['//storage.example.com/x.tar.gz', 'not an absolute URL'],
    ['http://127.0.0.1.evil.example/x', 'plain http is allowed only for the upstream host or loopback'],
  ])('refuses %s', async (location, why) => {
    redirect(location, {});
    expect(await refusal()).toBe(`GET /jobs/{id}/download: unusable download URL: ${why}.`);
  });

  it('refuses a Location and a body that disagree', async () => {
    redirect(S3, { download_url: 'https://elsewhere.example.com/x.tar.gz' });
    expect(await refusal()).toContain('the Location header and download_url disagree');
  });

  it('refuses an answer with no URL at all', async () => {
    redirect(undefined, {}, 302);
    expect(await refusal()).toContain('neither a Location header nor a download_url');
  });

  it('the signed URL never appears in the refusal', async () => {
    redirect('http://storage.example.com/x.tar.gz?sig=SECRET-SIGNATURE', {});
    expect(await refusal()).not.toContain('SECRET-SIGNATURE');
  });

  it('a job that is not completed: 409 → CONFLICT with the upstream message', async () => {
    up.pool.intercept({ path, method: 'GET' }).reply(409, {
      code: 'failed_precondition',
      message: 'job job-1 is running; only a completed job can be downloaded',
    });
    expect(await rejectionOf(up.client.getDownloadUrl(CREDS, 'job-1'))).toMatchObject({
      code: 'CONFLICT',
      message: 'job job-1 is running; only a completed job can be downloaded',
    });
  });
});
