/**
 * A request body that is not an upload must arrive within HTTP_BODY_TIMEOUT_MS of its headers. Found in
 * a trial: with only the 300 s request timeout, 40 addresses × 250 POSTs declaring `Content-Length:
 * 100000` and sending a byte every 5 s held all of MAX_CONNECTIONS, and every other client was refused.
 * Also the time before a request's headers: a connection that sends nothing is closed too.
 */
import { describe, expect, it } from 'vitest';
import { openRaw, type RawSocket } from '../harness/raw-socket.js';
import { useRawStack } from '../harness/raw-stack.js';
import { DEMO, headersFor } from '../harness/stack.js';

const { start, track, metric } = useRawStack();

async function open(url: string): Promise<RawSocket> {
  return track(await openRaw(url));
}

const refusedByLimit = (limit: string) => metric('gateway_requests_refused_by_limit_total', { limit });

const QUERY = JSON.stringify({ query: '{ providers { name } }' });

function postHead(url: string, length: number, type = 'application/json'): string {
  const auth = Object.entries(headersFor(DEMO)).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `POST /graphql HTTP/1.1\r\nHost: ${new URL(url).host}\r\nContent-Type: ${type}\r\n` +
    `Content-Length: ${length}\r\n${auth.join('')}\r\n`
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the body of a request that is not an upload', () => {
  it('still arriving at HTTP_BODY_TIMEOUT_MS: 408 with a coded error, connection closed, counted; others served', async () => {
    const url = await start({ HTTP_BODY_TIMEOUT_MS: '400' });
    // Read by yoga (past the fast hits' 64 KiB), and by the response cache's fast hits.
    for (const length of [100_000, 1_000]) {
      const slow = await open(url);
      slow.socket.write(postHead(url, length) + '{"query":');
      const trickle = setInterval(() => slow.socket.writable && slow.socket.write(' '), 100);
      try {
        await slow.closed; // well within the 300 s request timeout
      } finally {
        clearInterval(trickle);
      }
      const answer = slow.received().toString('utf8');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        errors: [
          {
            message:
              'The request body did not arrive within 400 ms of its headers (HTTP_BODY_TIMEOUT_MS); the connection is closed.',
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      });
    }
    expect(await refusedByLimit('http_body_timeout')).toBe(2);

    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersFor(DEMO) },
      body: QUERY,
    });
    expect(res.status).toBe(200);
  });

  it('arriving in pieces within the deadline is served, and the connection kept for the next request', async () => {
    const url = await start({ HTTP_BODY_TIMEOUT_MS: '3000' });
    const client = await open(url);
    client.socket.write(postHead(url, Buffer.byteLength(QUERY)) + QUERY.slice(0, 10));
    await sleep(200);
    client.socket.write(QUERY.slice(10));
    const responses = () => client.received().toString('utf8').split('HTTP/1.1 200 ').length - 1;
    await expect.poll(responses, { timeout: 10_000 }).toBe(1);
    await sleep(3_500); // past the deadline: the first request's timer was cleared with its body
    client.socket.write(postHead(url, Buffer.byteLength(QUERY)) + QUERY);
    await expect.poll(responses, { timeout: 10_000 }).toBe(2);
    expect(client.received().toString('utf8')).not.toContain(' 408 ');
    expect(await refusedByLimit('http_body_timeout')).toBe(0);
  });

  it('a connection that never sends its headers, or nothing at all, is closed by HTTP_HEADERS_TIMEOUT_MS', async () => {
    const url = await start({ HTTP_HEADERS_TIMEOUT_MS: '300' });
    const silent = await open(url);
    const partial = await open(url);
    partial.socket.write('POST /graphql HTTP/1.1\r\n');
    await Promise.all([silent.closed, partial.closed]);
    expect(partial.received().toString('latin1')).toMatch(/^HTTP\/1\.1 408/);
  });
});
