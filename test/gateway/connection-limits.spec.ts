/**
 * Issue 17, item 5: what one client can hold of the server before any authentication. A WebSocket
 * message is bounded like an HTTP body, from its frame header; a socket idle without credentials is
 * closed; connections are capped in total and per address, and counted in the metrics.
 */
import { describe, expect, it } from 'vitest';
import { DEMO, eventually } from '../harness/stack.js';
import {
  closeCode,
  openRaw,
  openRawWebSocket,
  receivedWhen,
  textFrame,
  textFrameHeader,
  textMessages,
  type RawSocket,
} from '../harness/raw-socket.js';
import { useRawStack } from '../harness/raw-stack.js';

const { start, track, metric } = useRawStack();
const closedByLimit = (limit: string) => metric('gateway_connections_closed_by_limit_total', { limit });
const tcpConnections = () => metric('gateway_tcp_connections');

/** A connection that has begun a request and never finishes its headers (a slow-header client). */
async function slowHeaders(url: string): Promise<RawSocket> {
  const raw = track(await openRaw(url));
  raw.socket.write('GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n');
  return raw;
}

describe('WebSocket messages', () => {
  it('refuses a 10 MB frame before connection_init from its header, without waiting for (or buffering) its payload', async () => {
    const url = await start({});
    const raw = track(await openRawWebSocket(url));
    // The header announces 10 MB; only 1 KB follows. A server that accepts the size waits for the rest.
    raw.socket.write(Buffer.concat([textFrameHeader(10 * 1024 * 1024), Buffer.alloc(1024, 0x20)]));
    const frames = await receivedWhen(raw, (bytes) => closeCode(bytes) !== undefined);
    expect(closeCode(frames)).toBe(1009); // "Message Too Big"
    expect(await closedByLimit('ws_max_message_bytes')).toBe(1);
  });

  it('still takes a message within MAX_REQUEST_BODY_BYTES', async () => {
    const url = await start({ MAX_REQUEST_BODY_BYTES: '4096' });
    const raw = track(await openRawWebSocket(url));
    raw.socket.write(textFrame(JSON.stringify({ type: 'connection_init', payload: {} })));
    const frames = await receivedWhen(raw, (bytes) => textMessages(bytes).length > 0);
    expect(JSON.parse(textMessages(frames)[0]!)).toEqual({ type: 'connection_ack' });
  });
});

describe('WebSockets idle without credentials', () => {
  it('closes one whose connection_init was empty, or whose token the upstream never accepted, once idle; leaves a proven token open', async () => {
    const url = await start({ WS_UNAUTHENTICATED_IDLE_MS: '300' });
    const init = (payload: object) => textFrame(JSON.stringify({ type: 'connection_init', payload }));
    const demo = { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId };

    // A socket whose query the upstream answered: DEMO's token is proven.
    const worked = track(await openRawWebSocket(url));
    worked.socket.write(init(demo));
    await receivedWhen(worked, (bytes) => textMessages(bytes).length > 0);
    worked.socket.write(
      textFrame(
        JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ jobs(first: 1) { totalCount } }' } }),
      ),
    );
    const answered = await receivedWhen(worked, (bytes) => textMessages(bytes).some((m) => m.includes('"complete"')));
    expect(textMessages(answered).map((m) => JSON.parse(m).type)).toEqual(['connection_ack', 'next', 'complete']);

    // Opened after: a second socket with that token, one with a made-up token, one with none.
    const sameToken = track(await openRawWebSocket(url));
    sameToken.socket.write(init(demo));
    const madeUp = track(await openRawWebSocket(url));
    madeUp.socket.write(init({ authorization: 'Bearer fake-token-xyz', organizationId: DEMO.organizationId }));
    const empty = track(await openRawWebSocket(url));
    empty.socket.write(init({}));

    for (const raw of [madeUp, empty]) {
      const frames = await receivedWhen(raw, (bytes) => closeCode(bytes) !== undefined);
      expect(textMessages(frames).map((m) => JSON.parse(m))).toEqual([{ type: 'connection_ack' }]);
      expect(closeCode(frames)).toBe(4401);
    }
    // Opened before those two and idle as long: sockets with the proven token are left open.
    for (const raw of [worked, sameToken]) {
      expect(closeCode(raw.received())).toBeUndefined();
      expect(raw.socket.destroyed).toBe(false);
    }
    expect(await closedByLimit('ws_unauthenticated_idle')).toBe(2);
  });
});

describe('connections', () => {
  it('caps the connections of one address (MAX_CONNECTIONS_PER_ADDRESS), and counts what it refuses', async () => {
    const url = await start({ MAX_CONNECTIONS_PER_ADDRESS: '3' });
    const held = [await slowHeaders(url), await slowHeaders(url), await slowHeaders(url)];
    await eventually(async () => ((await tcpConnections()) === 3 ? true : undefined), 5_000, 'three connections');

    const refused = track(await openRaw(url));
    await refused.closed;
    expect(refused.received().length).toBe(0);
    expect(await closedByLimit('max_connections_per_address')).toBe(1);

    // One of the held connections goes: the address may connect again.
    held[0]!.socket.destroy();
    await eventually(async () => ((await tcpConnections()) === 2 ? true : undefined), 5_000, 'one connection gone');
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('caps all connections (MAX_CONNECTIONS)', async () => {
    const url = await start({ MAX_CONNECTIONS: '2', MAX_CONNECTIONS_PER_ADDRESS: '0' });
    await slowHeaders(url);
    await slowHeaders(url);
    await eventually(async () => ((await tcpConnections()) === 2 ? true : undefined), 5_000, 'two connections');
    const refused = track(await openRaw(url));
    await refused.closed;
    expect(refused.received().length).toBe(0);
    expect(await closedByLimit('max_connections')).toBe(1);
  });

  it('closes a connection whose headers never finish (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const url = await start({ HTTP_HEADERS_TIMEOUT_MS: '300' });
    const slow = await slowHeaders(url);
    await slow.closed;
    expect(slow.received().toString('latin1')).toMatch(/^HTTP\/1\.1 408/);
  });
});
