/**
 * `openDownload`, the Together client's one streamed call (download-stream.ts), against a local server
 * standing for Together: it sends the key to the configured origin only, on a download path of the
 * configured API (any other path is refused before a byte is sent); passes `Range` on and a 206 back;
 * and turns a refusal into an UpstreamError by its status without reading the refusal's words.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/upstream/errors.js';
import { createTogetherClient } from '../../../src/upstream/together/together-client.js';
import type { TogetherClient } from '../../../src/upstream/together/together-client-types.js';

const KEY = { token: 'tg-stream-key-4Hs9' };
let server: Server;
let client: TogetherClient;
let received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: 'archive' };

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ url: req.url!, headers: req.headers });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = createTogetherClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
});
afterAll(async () => {
  await client.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received = [];
  answer = { status: 200, body: 'archive' };
});

const signal = () => new AbortController().signal;
const read = async (body: NodeJS.ReadableStream | null) => {
  const chunks: Buffer[] = [];
  for await (const chunk of body!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('openDownload', () => {
  it('streams the file from the configured origin with the key', async () => {
    const download = await client.openDownload(KEY, '/v1/finetune/download?ft_id=ft-1&checkpoint=adapter', {
      signal: signal(),
    });
    expect(download.status).toBe(200);
    expect(await read(download.body)).toBe('archive');
    expect(received.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/v1/finetune/download?ft_id=ft-1&checkpoint=adapter', `Bearer ${KEY.token}`],
    ]);
  });

  it('refuses, before sending anything, a path that is not a download of the configured API', async () => {
    for (const path of [
      '/v1/files',
      '/v1/finetune/download',
      '/finetune/download?ft_id=ft-1',
      '//evil.example/v1/finetune/download?x',
      'http://evil.example/v1/finetune/download?ft_id=ft-1',
      '/v1/finetune/download?ft_id=ft-1\r\nx-injected: 1',
      '/v1/finetune/download?ft_id=ft 1',
    ])
      await expect(client.openDownload(KEY, path, { signal: signal() }), path).rejects.toThrow(
        /not a download path of the configured Together API/,
      );
    expect(received).toEqual([]);
  });

  it('passes Range on, and a 206 back', async () => {
    answer = { status: 206, headers: { 'content-range': 'bytes 0-2/7' }, body: 'arc' };
    const download = await client.openDownload(KEY, '/v1/finetune/download?ft_id=ft-1&checkpoint=adapter', {
      signal: signal(),
      range: 'bytes=0-2',
      ifRange: 'Wed, 21 Oct 2015 07:28:00 GMT',
    });
    expect(download.status).toBe(206);
    expect(download.headers['content-range']).toBe('bytes 0-2/7');
    expect(await read(download.body)).toBe('arc');
    expect(received[0]!.headers).toMatchObject({ range: 'bytes=0-2', 'if-range': 'Wed, 21 Oct 2015 07:28:00 GMT' });
  });

  it('turns a refusal into an UpstreamError by its status, its words unread', async () => {
    answer = { status: 404, body: JSON.stringify({ error: { message: 'secret upstream words', type: 'not_found' } }) };
    const failure = await client
      .openDownload(KEY, '/v1/finetune/download?ft_id=ft-1&checkpoint=adapter', { signal: signal() })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).code).toBe('NOT_FOUND');
    expect((failure as UpstreamError).message).not.toContain('secret upstream words');
  });
});
