/**
 * Regression (issue 17, item 1): calls that waited for a connection of the gateway's own pool and
 * never got one ("no connection free") were counted as failures of the upstream, so one tenant
 * holding the pool opened the circuit breaker for everyone while the upstream was healthy. A call
 * that never left the gateway is neither a success nor a failure of the upstream.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';

const CREDS = { token: 'tenant-a', organizationId: 'org-a' };
let server: Server;
let client: ClosableUpstreamClient;
/** Answers held back until the test lets them go. */
const held: ServerResponse[] = [];
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    received++;
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createUpstreamClient({
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    connections: 1,
    retry: { maxAttempts: 1 },
    circuitBreaker: { threshold: 2, windowMs: 60_000, coolDownMs: 60_000 },
  });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('calls queued behind a busy pool', () => {
  it('fail UPSTREAM_UNAVAILABLE unsent, and never open the breaker', async () => {
    const slow = client.listBaseModels(CREDS, { deadlineMs: 20_000 });
    slow.catch(() => {}); // awaited below; the server's teardown ends it should an assertion fail first
    await expect.poll(() => received).toBe(1);
    for (let i = 0; i < 4; i++) {
      await expect(client.listBaseModels(CREDS, { deadlineMs: 50 })).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringContaining('no connection free within 50 ms'),
      });
    }
    expect(received).toBe(1);
    expect(client.circuitBreaker!.state()).toBe('closed');

    held.shift()!.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
    expect(await slow).toEqual([]);
    expect(client.circuitBreaker!.state()).toBe('closed');
  });
});
