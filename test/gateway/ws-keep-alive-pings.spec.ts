/**
 * Operator trial 3: the WebSocket server sent no keep-alive, so a quiet graphql-ws subscription (a job
 * queued for long) was cut by the idle timeout of a proxy or load balancer in between, and a peer gone
 * without closing was noticed only by TCP. Now every socket is pinged each WS_PING_INTERVAL_MS, and one
 * that has not answered the previous ping is cut. Clients here are `ws` sockets: one answers pings by
 * itself (as browsers do), the other is told not to (a peer that is gone).
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../harness/stack.js';
import { useRawStack } from '../harness/raw-stack.js';

const { start, metric } = useRawStack();

/** An open graphql-transport-ws socket on the gateway, acknowledged, that counts the pings it receives. */
async function socketOn(url: string, options: { autoPong: boolean }) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', options);
  const seen = { pings: 0, closed: null as number | null };
  socket.on('ping', () => (seen.pings += 1));
  socket.on('close', (code) => (seen.closed = code));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  return { socket, seen };
}

describe('WebSocket keep-alive pings (WS_PING_INTERVAL_MS)', () => {
  it('pings each socket every interval; one that answers stays open, one that does not is cut', async () => {
    const url = await start({ WS_PING_INTERVAL_MS: '100' });
    const alive = await socketOn(url, { autoPong: true });
    const gone = await socketOn(url, { autoPong: false });
    try {
      // Cut at the first interval after an unanswered ping: 1006, no close frame from a server that gave up.
      const code = await eventually(() => gone.seen.closed ?? undefined, 10_000, 'the silent socket to be cut');
      expect(code).toBe(1006);
      expect(gone.seen.pings).toBeGreaterThanOrEqual(1);
      const closedByPing = { limit: 'ws_ping_timeout' };
      expect(await metric('gateway_connections_closed_by_limit_total', closedByPing)).toBe(1);

      await eventually(() => (alive.seen.pings >= 5 ? true : undefined), 10_000, 'five pings');
      expect(alive.seen.closed).toBeNull();
      expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      alive.socket.terminate();
      gone.socket.terminate();
    }
  });

  it('sends none with WS_PING_INTERVAL_MS=0, and leaves a socket that would not answer open', async () => {
    const url = await start({ WS_PING_INTERVAL_MS: '0' });
    const quiet = await socketOn(url, { autoPong: false });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(quiet.seen).toEqual({ pings: 0, closed: null });
    } finally {
      quiet.socket.terminate();
    }
  });
});
