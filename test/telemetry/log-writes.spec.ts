/**
 * LOG_WRITES: how the gateway's log lines reach stdout. `sync` (the default) writes each line as it is
 * made, so a gateway killed the moment it answered has logged it (a buffering destination would lose
 * the last lines). `async` hands lines to libuv's thread pool and queues them in memory while a write
 * is in flight: a stdout nobody reads does not stall it, and the lines all arrive once it is read.
 */
import { describe, expect, it } from 'vitest';
import { logLines, startGatewayProcess } from '../harness/gateway-process.js';
import { eventually } from '../harness/stack.js';

const ask = (url: string, requestId: string, signal?: AbortSignal) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

describe('LOG_WRITES', () => {
  it('sync (the default): a request answered has its line on stdout, even if the gateway is killed at once', async () => {
    const gateway = await startGatewayProcess({ LOG_LEVEL: 'info' });
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `sync-line-${i}`);
      for (const id of ids.slice(0, -1)) expect((await ask(gateway.url, id)).status).toBe(200);
      const last = await ask(gateway.url, ids.at(-1)!);
      gateway.child.kill('SIGKILL');
      expect(last.status).toBe(200);
      expect(await gateway.exited).toBeNull();
      const logged = logLines(gateway.output(), 'request').map((line) => line.requestId);
      expect(logged).toEqual(expect.arrayContaining(ids));
    } finally {
      await gateway.stop();
    }
  });

  it('async: a stdout nobody reads does not stop the gateway answering; every line arrives once it is read', async () => {
    const gateway = await startGatewayProcess({ LOG_LEVEL: 'info', LOG_WRITES: 'async' });
    try {
      gateway.child.stdout!.pause(); // the pipe's 64 KiB fill up: a sync write would now block the gateway
      const ids = Array.from({ length: 600 }, (_, i) => `async-line-${i}`);
      for (const id of ids) {
        const answer = await ask(gateway.url, id, AbortSignal.timeout(5_000));
        expect(answer.status).toBe(200);
      }
      gateway.child.stdout!.resume();
      await eventually(() => {
        const logged = new Set(logLines(gateway.output(), 'request').map((line) => line.requestId));
        return ids.every((id) => logged.has(id)) || undefined;
      });
    } finally {
      await gateway.stop();
    }
  });
});
