/**
 * Over WebSocket too, a page on another site never gets the default credentials (a WebSocket needs
 * no CORS preflight, so any page could otherwise open one to a demo or single-tenant gateway).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { useLiveStack } from '../harness/live-stack.js';
import { DEMO } from '../harness/stack.js';

const live = useLiveStack({ http: true, gateway: { fallbackCredentials: DEMO } });

function clientFrom(origin: string | null, headers: Record<string, string> = {}) {
  const url = live.stack.server!.url;
  class FromPage extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { ...(origin ? { origin } : {}), headers });
    }
  }
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: FromPage,
    retryAttempts: 0,
    lazy: true,
  });
}

function first(origin: string | null, headers: Record<string, string> = {}) {
  const client = clientFrom(origin, headers);
  return new Promise<any>((resolve, reject) => {
    client.subscribe({ query: '{ datasets { id } }' }, { next: resolve, error: reject, complete: () => {} });
  }).finally(() => client.dispose());
}

describe('WebSocket from another site', () => {
  it('gets UNAUTHENTICATED without credentials of its own', async () => {
    live.stack.simulator.resetStats();
    const result = await first('https://evil.example');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(live.stack.calls()).toEqual({});
  });

  // DNS rebinding: the page's name re-resolves to the gateway, so its Origin matches the Host it sends.
  it('a page on a re-bound name (Host and Origin rebind.example) gets UNAUTHENTICATED naming GATEWAY_ALLOWED_HOSTS', async () => {
    live.stack.simulator.resetStats();
    const result = await first('http://rebind.example:4000', { host: 'rebind.example:4000' });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toMatch(/GATEWAY_ALLOWED_HOSTS/);
    expect(live.stack.calls()).toEqual({});
  });

  it('a handshake whose Sec-Fetch-Site is cross-site gets UNAUTHENTICATED', async () => {
    live.stack.simulator.resetStats();
    const result = await first(null, { 'sec-fetch-site': 'cross-site' });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(live.stack.calls()).toEqual({});
  });

  it("the gateway's own page and non-browser clients are served with the default credentials", async () => {
    const host = new URL(live.stack.server!.url).host;
    for (const origin of [`http://${host}`, null]) {
      const result = await first(origin);
      expect(result.errors).toBeUndefined();
      expect(result.data?.datasets).toEqual(expect.any(Array));
    }
  });
});
