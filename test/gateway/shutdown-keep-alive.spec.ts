/**
 * Operator trial 3, finding 5: behind the shipped nginx (upstream `keepalive 32`), a rolling stop gave
 * clients 502s. At SIGTERM the gateway's `close()` destroyed every idle keep-alive connection at once
 * (Node's `server.close()` does since Node 19); nginx, sending a POST on one of them at that instant,
 * got a reset and does not retry a POST. Now the drain stops listening only: a connection idle at
 * `close()` can still carry a request, answered in full with `Connection: close` (the client closes it
 * itself, nothing to retry), and requests in flight are answered as before, with `Connection: close`
 * too. Raw sockets hold the connections, as a proxy's pool does.
 */
import { describe, expect, it } from 'vitest';
import { openRaw, type RawSocket } from '../harness/raw-socket.js';
import { useRawStack } from '../harness/raw-stack.js';
import { DEMO, eventually, headersFor } from '../harness/stack.js';

const { start, track, stack } = useRawStack();

const QUERY = JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' });

/** A POST of `QUERY` as DEMO, keep-alive (HTTP/1.1's default): the bytes a proxy sends on a pooled connection. */
function postQuery(url: string): string {
  const headers = Object.entries({
    Host: new URL(url).host,
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json',
    'Content-Length': String(Buffer.byteLength(QUERY)),
    ...headersFor(DEMO),
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST /graphql HTTP/1.1\r\n${headers.join('')}\r\n${QUERY}`;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The complete HTTP/1.1 responses in `bytes` (by Content-Length, or chunked without trailers). */
function responses(bytes: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return out;
    const [statusLine, ...lines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    let body: Buffer;
    let next = headEnd + 4;
    if (headers['content-length'] !== undefined) {
      const end = next + Number(headers['content-length']);
      if (bytes.length < end) return out;
      body = bytes.subarray(next, end);
      next = end;
    } else {
      const chunks: Buffer[] = [];
      for (;;) {
        const sizeEnd = bytes.indexOf('\r\n', next);
        if (sizeEnd < 0) return out;
        const size = parseInt(bytes.subarray(next, sizeEnd).toString('latin1'), 16);
        if (bytes.length < sizeEnd + 2 + size + 2) return out;
        chunks.push(bytes.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        next = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    }
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
    at = next;
  }
}

/** A raw connection whose resets are recorded (openRaw swallows them). */
async function connection(url: string): Promise<RawSocket & { errors: string[] }> {
  const raw = track(await openRaw(url));
  const errors: string[] = [];
  raw.socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  return { ...raw, errors };
}

/** The responses on `raw` once there are `count`; fails if the connection closes before. */
async function answered(raw: RawSocket, count: number): Promise<RawResponse[]> {
  const ended = raw.closed.then(() => false);
  for (;;) {
    const got = responses(raw.received());
    if (got.length >= count) return got;
    const more = await Promise.race([
      new Promise<boolean>((resolve) => raw.socket.once('data', () => resolve(true))),
      ended,
    ]);
    if (more) continue;
    const last = responses(raw.received());
    if (last.length >= count) return last;
    throw new Error(`the connection was closed after ${last.length} answer(s), ${count} expected`);
  }
}

describe('close() with keep-alive connections (a proxy pooling connections in front)', () => {
  it('answers a request sent on a connection idle at close(), in full and with Connection: close, then closes it', async () => {
    const url = await start({});
    const pooled = await connection(url);
    pooled.socket.write(postQuery(url));
    const [before] = await answered(pooled, 1);
    expect(before).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
    // Another pooled connection, idle from before close() and never used again.
    const unused = await connection(url);
    unused.socket.write(postQuery(url));
    await answered(unused, 1);

    const closing = stack().server!.close();
    // The proxy picks its pooled connection just as the gateway begins to drain.
    pooled.socket.write(postQuery(url));
    const [, during] = await answered(pooled, 2);
    expect(during!.status).toBe(200);
    expect(during!.headers.connection).toBe('close');
    expect(JSON.parse(during!.body)).toEqual({ data: { jobs: { totalCount: expect.any(Number) } } });
    // The client did not need to close it: the gateway did, after the answer, and without a reset.
    await pooled.closed;
    expect(pooled.errors).toEqual([]);

    // New connections are refused from the start of the drain (a proxy passes them to another instance).
    await expect(openRaw(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The connection left idle is closed before close() is done.
    await closing;
    await unused.closed;
  }, 30_000);

  it('answers a request in flight at close() as before, with Connection: close', async () => {
    const url = await start({});
    stack().simulator.setFaults({ route: 'GET /jobs', latencyMs: 500 });
    const busy = await connection(url);
    busy.socket.write(postQuery(url));
    await eventually(() => ((stack().simulator.stats()['GET /jobs'] ?? 0) >= 1 ? true : undefined), 10_000, 'the call');

    const closing = stack().server!.close();
    const [answer] = await answered(busy, 1);
    expect(answer!.status).toBe(200);
    expect(answer!.headers.connection).toBe('close');
    expect(JSON.parse(answer!.body)).toEqual({ data: { jobs: { totalCount: expect.any(Number) } } });
    await busy.closed;
    expect(busy.errors).toEqual([]);
    await closing;
  }, 30_000);
});
