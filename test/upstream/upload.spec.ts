/**
 * uploadFile over a real socket (MockAgent does not stream request bodies): the multipart framing
 * parses with busboy, the file streams rather than being buffered whole, and failures map.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import busboy from 'busboy';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { ClosableUpstreamClient } from '../../src/upstream/client.js';
import { CREDS, TOKEN, everythingAbout, rejectionOf } from './mock-upstream.js';

interface Received {
  field: string;
  filename: string;
  mimeType: string;
  content: string;
  contentType: string | undefined;
  transferEncoding: string | undefined;
}

let server: Server | undefined;
let client: ClosableUpstreamClient | undefined;
afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  if (server !== undefined) await new Promise((resolve) => server?.close(resolve));
  server = client = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<ClosableUpstreamClient> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  client = createUpstreamClient({ baseUrl: `http://127.0.0.1:${port}/api/v1` });
  return client;
}

/** Parses the multipart body with busboy and answers a File. */
function parsingServer(received: Received[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const bb = busboy({ headers: req.headers, defParamCharset: 'utf8' });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        received.push({
          field,
          filename: info.filename ?? '',
          mimeType: info.mimeType,
          content: Buffer.concat(chunks).toString('utf8'),
          contentType: req.headers['content-type'],
          transferEncoding: req.headers['transfer-encoding'],
        }),
      );
    });
    bb.on('close', () => {
      const file = received.at(-1);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'file-1',
          name: file?.filename ?? '',
          bytes: file?.content.length ?? 0,
          created_at: '2026-01-14T14:57:45Z',
          workspace_id: 'demo-org',
          columns: [{ name: 'question', type: 'string', values: ['a'] }],
        }),
      );
    });
    req.pipe(bb);
  };
}

describe('uploadFile', () => {
  it('sends one multipart part named file, text/csv, with the filename, chunked', async () => {
    const received: Received[] = [];
    const c = await serve(parsingServer(received));
    const csv = 'question,answer\n"a ""quoted"" one",b\n';
    const file = await c.uploadFile(CREDS, {
      filename: 'my "qa".csv',
      body: Readable.from([csv.slice(0, 10), csv.slice(10)]),
    });
    expect(file).toMatchObject({ id: 'file-1', workspaceId: 'demo-org' });
    expect(received).toEqual([
      {
        field: 'file',
        filename: 'my %22qa%22.csv',
        mimeType: 'text/csv',
        content: csv,
        contentType: expect.stringMatching(/^multipart\/form-data; boundary=----upstream-client-[0-9a-f]{48}$/),
        transferEncoding: 'chunked',
      },
    ]);
  });

  it('keeps a UTF-8 filename and a given content type', async () => {
    const received: Received[] = [];
    const c = await serve(parsingServer(received));
    await c.uploadFile(CREDS, {
      filename: 'données.csv',
      body: Readable.from(['a,b\n1,2\n']),
      contentType: 'text/plain',
    });
    expect(received[0]).toMatchObject({ filename: 'données.csv', mimeType: 'text/plain' });
  });

  it('streams: the server sees the first chunk before the source has produced the second', async () => {
    // The source holds its second chunk back until the server has seen the first. A client that
    // buffered the whole file before sending would wait forever: the test would time out.
    let firstArrived!: () => void;
    const gate = new Promise<void>((resolve) => (firstArrived = resolve));
    const received: Received[] = [];
    const parse = parsingServer(received);
    const c = await serve((req, res) => {
      let seen = '';
      const tee = new PassThrough();
      req.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (seen.includes('FIRST-CHUNK')) firstArrived();
        tee.write(chunk);
      });
      req.on('end', () => tee.end());
      parse(Object.assign(tee, { headers: req.headers }) as unknown as IncomingMessage, res);
    });
    const source = new PassThrough();
    source.write('question,answer\nFIRST-CHUNK,1\n');
    void gate.then(() => source.end('SECOND-CHUNK,2\n'));
    await c.uploadFile(CREDS, { filename: 'qa.csv', body: source });
    expect(received[0]?.content).toBe('question,answer\nFIRST-CHUNK,1\nSECOND-CHUNK,2\n');
  }, 10_000);

  it('413 before the body is read → BAD_USER_INPUT with the upstream message', async () => {
    const c = await serve((_req, res) => {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ code: 'invalid_argument', message: 'file: larger than the 1 MiB upload limit' }));
    });
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 256; i++) yield Buffer.alloc(64 * 1024, 'a');
      })(),
    );
    expect(await rejectionOf(c.uploadFile(CREDS, { filename: 'big.csv', body: big }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      status: 413,
      message: 'file: larger than the 1 MiB upload limit',
    });
  });

  it('is never retried, even on 503', async () => {
    let count = 0;
    const c = await serve((req, res) => {
      count++;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"code":"unavailable","message":null}');
      });
    });
    expect(
      await rejectionOf(c.uploadFile(CREDS, { filename: 'a.csv', body: Readable.from(['a,b\n1,2\n']) })),
    ).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(count).toBe(1);
  });

  it("an error of the caller's own stream comes back unchanged", async () => {
    const c = await serve((req) => req.resume());
    const broken = new Readable({ read() {} });
    broken.push('a,b\n');
    setImmediate(() => broken.destroy(new Error('disk read failed')));
    const error = await rejectionOf(c.uploadFile(CREDS, { filename: 'a.csv', body: broken }));
    expect((error as Error).message).toBe('disk read failed');
  });

  it('a dropped connection mid-upload → UPSTREAM_UNAVAILABLE, token-free: a cut body stores nothing', async () => {
    const c = await serve((req) => req.once('data', () => req.socket.destroy()));
    // The file's end is never sent: the connection drops while the rest is still to come.
    const body = new PassThrough();
    body.write('a,b\n1,2\n');
    const error = await rejectionOf(c.uploadFile(CREDS, { filename: 'a.csv', body }));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', operation: 'POST /files' });
    expect(everythingAbout(error)).not.toContain(TOKEN);
  });

  it.each([
    ['its answer is lost', (res: ServerResponse) => res.socket?.destroy()],
    [
      'it answers 500',
      (res: ServerResponse) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"code":"internal","message":null}');
      },
    ],
  ])('the whole file sent and %s → UPSTREAM_OUTCOME_UNKNOWN, not retried, token-free', async (_case, answer) => {
    let count = 0;
    let received = '';
    const c = await serve((req, res) => {
      count++;
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (received += chunk));
      req.on('end', () => answer(res));
    });
    const error = await rejectionOf(c.uploadFile(CREDS, { filename: 'a.csv', body: Readable.from(['a,b\n1,2\n']) }));
    expect(received).toContain('1,2');
    expect(error).toMatchObject({ code: 'UPSTREAM_OUTCOME_UNKNOWN', operation: 'POST /files' });
    expect((error as Error).message).toMatch(
      /may or may not have taken effect\. The whole file was sent, so the service may have stored it/,
    );
    expect(count).toBe(1);
    expect(everythingAbout(error)).not.toContain(TOKEN);
  });

  it('a content type with a line break is refused before anything is sent', async () => {
    const c = await serve(() => expect.unreachable());
    const body = Readable.from(['a,b\n']);
    expect(
      await rejectionOf(c.uploadFile(CREDS, { filename: 'a.csv', body, contentType: 'text/csv\r\nX-Evil: 1' })),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(body.destroyed).toBe(true);
  });
});
