/**
 * An upload whose connection Together closes while the file is still being sent (as it may for a
 * file over its limit): the client is told, as an UpstreamError, never with the socket's raw error.
 * undici destroys the stream it writes from with that error (EPIPE, ECONNRESET); were that the
 * caller's own file stream, the call would take it for the caller's file failing and hand the raw
 * error on, which the gateway answers as a masked internal error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/upstream/errors.js';
import { createTogetherClient } from '../../../src/upstream/together/together-client.js';
import type { TogetherClient } from '../../../src/upstream/together/together-client-types.js';

let server: Server;
let client: TogetherClient;
const seen: string[] = [];
/** How long `POST /files` takes to answer (Together making the file). */
let postDelayMs = 0;
beforeAll(async () => {
  // Together's two steps, the second cut short: the upload URL reads 64 KiB and drops the connection.
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const { port } = server.address() as AddressInfo;
    if (req.method === 'POST' && req.url?.startsWith('/v1/files')) {
      setTimeout(
        () =>
          res.writeHead(302, { location: `http://127.0.0.1:${port}/upload/1`, 'x-together-file-id': 'file-1' }).end(),
        postDelayMs,
      );
    } else if (req.method === 'PUT') {
      let read = 0;
      req.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 64 * 1024) req.socket.destroy();
      });
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"file-1","deleted":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = createTogetherClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

it('a connection dropped under the upload is an UpstreamError, the pending file deleted, the caller’s stream ended', async () => {
  // The caller's file as the gateway hands it on: a transform fed from the request (here, a block a turn).
  const block = Buffer.alloc(64 * 1024, 'a');
  const body = new PassThrough();
  void (async () => {
    for (let i = 0; i < 256 && !body.destroyed; i++) {
      if (!body.write(block)) await new Promise((resolve) => body.once('drain', resolve).once('close', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    body.end();
  })();
  const error = await client.uploadFile({ token: 'k' }, { filename: 'big.jsonl', body }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  expect(error).toMatchObject({
    code: 'UPSTREAM_UNAVAILABLE',
    message: expect.stringMatching(/^PUT \/files\/\{id\}\/upload-url: .*\((EPIPE|ECONNRESET|UND_ERR_SOCKET)\)/),
  });
  expect(body.destroyed).toBe(true);
  expect(seen).toEqual([
    'POST /v1/files?file_name=big.jsonl&file_type=jsonl&purpose=fine-tune',
    'PUT /upload/1',
    'DELETE /v1/files/file-1',
  ]);
});

it('a caller who leaves while Together makes the file: the file is deleted once its answer names it, nothing sent', async () => {
  seen.length = 0;
  postDelayMs = 300;
  try {
    const controller = new AbortController();
    const body = new PassThrough();
    body.end(Buffer.from('{"text":"x"}\n'));
    const uploading = client.uploadFile(
      { token: 'k' },
      { filename: 'small.jsonl', body },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('the client left')), 50);
    await expect(uploading).rejects.toThrow('the client left');
    expect(seen).toEqual([
      'POST /v1/files?file_name=small.jsonl&file_type=jsonl&purpose=fine-tune',
      'DELETE /v1/files/file-1',
    ]);
    expect(body.destroyed).toBe(true);
  } finally {
    postDelayMs = 0;
  }
});
