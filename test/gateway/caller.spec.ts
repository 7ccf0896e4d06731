/**
 * Every rule of reading a caller (src/server/caller.ts, src/server/credentials.ts), run over both
 * transports: each row is one case, sent once over HTTP (headers) and once over WebSocket
 * (connectionParams and the upgrade request's headers), and both must give what the row says: the
 * default credentials (DEMO's dataset), the caller's own (OTHER's dataset), or the refusal, with no
 * upstream call. A second table spends one rate-limit quota from both transports and every casing.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimit } from '../../src/server/create-rate-limit.js';
import { seedDataset } from '../harness/fixtures.js';
import { DEMO, OTHER, startStack, type Stack } from '../harness/stack.js';

type Transport = 'http' | 'ws';
type Names = 'lower' | 'upper';

/** The names a caller may give its credentials, per transport, in lower and upper case. */
const NAMES: Record<Transport, Record<Names, { token: string; organization: string }>> = {
  http: {
    lower: { token: 'authorization', organization: 'x-organization-id' },
    upper: { token: 'Authorization', organization: 'X-Organization-Id' },
  },
  ws: {
    lower: { token: 'authorization', organization: 'organizationId' },
    upper: { token: 'Authorization', organization: 'X-Organization-Id' },
  },
};

interface Row {
  case: string;
  authorization?: string;
  organizationId?: string;
  names?: Names;
  /** Headers of the request (over WebSocket, of the upgrade request). `host` defaults to localhost:4000. */
  headers?: Record<string, string>;
  /** DEMO: served with the default credentials; OTHER: with its own; else the UNAUTHENTICATED message. */
  expected: 'DEMO' | 'OTHER' | string;
}

const OWN = `Bearer ${OTHER.token}`;
const OWN_PAGES =
  "must carry its own credentials: this gateway's default credentials serve only its own pages (on localhost or a host listed in GATEWAY_ALLOWED_HOSTS) and clients that are not browsers.";
const notTo = (header: 'Host' | 'X-Forwarded-Host') =>
  `The default credentials serve only requests sent to localhost, 127.0.0.1, [::1] or a host listed in GATEWAY_ALLOWED_HOSTS, and the ${header} header of this request is none of them: send credentials of your own (Authorization, and on Nscale X-Organization-Id). GATEWAY_ALLOWED_HOSTS is for names the operator publishes; behind a proxy, have it forward the name clients used (Host, X-Forwarded-Host).`;
const TOKEN_ALONE =
  'A token was sent without an organization id: send "X-Organization-Id: <organization id>" with it (over WebSocket, connectionParams "organizationId"). A request that names no provider runs on nscale: if the token is a key of another provider (together), name it: "X-Provider: together" (over WebSocket, connectionParams "provider").';
const ORGANIZATION_ALONE =
  'An organization id was sent without a token: send "Authorization: Bearer <service token>" with it.';
const NOT_BEARER = 'The Authorization value must have the form "Bearer <service token>".';

const ROWS: Row[] = [
  { case: 'no credentials, sent to localhost', expected: 'DEMO' },
  {
    case: 'a bearer token and an organization (lower-case names)',
    authorization: OWN,
    organizationId: OTHER.organizationId,
    expected: 'OTHER',
  },
  {
    case: 'a bearer token and an organization (capitalised names)',
    authorization: OWN,
    organizationId: OTHER.organizationId,
    names: 'upper',
    expected: 'OTHER',
  },
  {
    case: 'the scheme in lower case',
    authorization: `bearer ${OTHER.token}`,
    organizationId: OTHER.organizationId,
    expected: 'OTHER',
  },
  {
    case: 'the scheme in capitals, capitalised names',
    authorization: `BEARER ${OTHER.token}`,
    organizationId: OTHER.organizationId,
    names: 'upper',
    expected: 'OTHER',
  },
  {
    case: 'values surrounded by spaces',
    authorization: `  Bearer   ${OTHER.token} `,
    organizationId: ` ${OTHER.organizationId} `,
    expected: 'OTHER',
  },
  { case: 'empty values count as none', authorization: '', organizationId: '', expected: 'DEMO' },
  { case: 'a token without an organization', authorization: OWN, expected: TOKEN_ALONE },
  {
    case: 'a token without an organization (capitalised name)',
    authorization: OWN,
    names: 'upper',
    expected: TOKEN_ALONE,
  },
  { case: 'an organization without a token', organizationId: OTHER.organizationId, expected: ORGANIZATION_ALONE },
  {
    case: 'a Basic authorization',
    authorization: 'Basic ZGVtbzpkZW1v',
    organizationId: OTHER.organizationId,
    expected: NOT_BEARER,
  },
  {
    case: 'a bearer value of two words',
    authorization: 'Bearer other token',
    organizationId: OTHER.organizationId,
    expected: NOT_BEARER,
  },
  {
    case: 'a token with no scheme',
    authorization: OTHER.token,
    organizationId: OTHER.organizationId,
    expected: NOT_BEARER,
  },
  { case: 'sent to 127.0.0.1', headers: { host: '127.0.0.1:4000' }, expected: 'DEMO' },
  { case: 'sent to [::1]', headers: { host: '[::1]:4000' }, expected: 'DEMO' },
  { case: 'sent to localhost without a port', headers: { host: 'localhost' }, expected: 'DEMO' },
  {
    case: 'sent to an allowed host, any case, with its own Origin',
    headers: {
      host: 'Gateway.Example.COM:8443',
      origin: 'https://gateway.example.com:8443',
      'x-forwarded-proto': 'https',
    },
    expected: 'DEMO',
  },
  // Regression: the Origin rule compared host and port only, so a page on http:// passed where the
  // gateway is reached over https://, and the other way round.
  {
    case: 'an http:// Origin where the gateway is reached over https://',
    headers: {
      host: 'Gateway.Example.COM:8443',
      origin: 'http://gateway.example.com:8443',
      'x-forwarded-proto': 'https',
    },
    expected: `A request from another site (its Origin header is not the scheme, host and port it was sent to) ${OWN_PAGES}`,
  },
  {
    case: 'an https:// Origin where the gateway is reached over http://',
    headers: { origin: 'https://localhost:4000' },
    expected: `A request from another site (its Origin header is not the scheme, host and port it was sent to) ${OWN_PAGES}`,
  },
  {
    case: 'its own Origin with the default port of https',
    headers: { host: 'gateway.example.com:443', origin: 'https://gateway.example.com', 'x-forwarded-proto': 'https' },
    expected: 'DEMO',
  },
  {
    case: 'a re-bound name with a matching Origin',
    headers: { host: 'rebind.example:4000', origin: 'http://rebind.example:4000' },
    expected: notTo('Host'),
  },
  {
    case: 'a re-bound name forwarded as localhost',
    headers: { host: 'rebind.example:4000', 'x-forwarded-host': 'localhost:4000' },
    expected: notTo('Host'),
  },
  {
    case: 'localhost forwarded from another host',
    headers: { 'x-forwarded-host': 'evil.example' },
    expected: notTo('X-Forwarded-Host'),
  },
  {
    case: 'loopback behind a proxy for an allowed host',
    headers: {
      host: '127.0.0.1:4000',
      'x-forwarded-host': 'gateway.example.com',
      'x-forwarded-proto': 'https',
      origin: 'https://gateway.example.com',
    },
    expected: 'DEMO',
  },
  { case: 'Sec-Fetch-Site: same-origin', headers: { 'sec-fetch-site': 'same-origin' }, expected: 'DEMO' },
  { case: 'Sec-Fetch-Site: none', headers: { 'sec-fetch-site': 'none' }, expected: 'DEMO' },
  {
    case: 'Sec-Fetch-Site: same-site',
    headers: { 'sec-fetch-site': 'same-site' },
    expected: `A request from another site (its Sec-Fetch-Site header is same-site) ${OWN_PAGES}`,
  },
  {
    case: 'Sec-Fetch-Site: cross-site',
    headers: { 'sec-fetch-site': 'Cross-Site' },
    expected: `A request from another site (its Sec-Fetch-Site header is cross-site) ${OWN_PAGES}`,
  },
  { case: "the gateway's own Origin", headers: { origin: 'http://localhost:4000' }, expected: 'DEMO' },
  {
    case: 'an Origin on another site',
    headers: { origin: 'https://evil.example' },
    expected: `A request from another site (its Origin header is not the scheme, host and port it was sent to) ${OWN_PAGES}`,
  },
  {
    case: 'the Origin "null" (a sandboxed frame)',
    headers: { origin: 'null' },
    expected: `A request from another site (its Origin header is not the scheme, host and port it was sent to) ${OWN_PAGES}`,
  },
  {
    case: 'another site and a re-bound name, with credentials of its own',
    authorization: OWN,
    organizationId: OTHER.organizationId,
    headers: { host: 'rebind.example:4000', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    expected: 'OTHER',
  },
];

const QUERY = '{ datasets { name } }';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    http: true,
    gateway: { fallbackCredentials: DEMO, allowedHosts: ['gateway.example.com'], datasetCacheMs: 0 },
  });
  await seedDataset(stack, DEMO, 'demo-dataset');
  await seedDataset(stack, OTHER, 'other-dataset');
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

function credentialsOf(row: Row, transport: Transport): Record<string, string> {
  const names = NAMES[transport][row.names ?? 'lower'];
  return {
    ...(row.authorization === undefined ? {} : { [names.token]: row.authorization }),
    ...(row.organizationId === undefined ? {} : { [names.organization]: row.organizationId }),
  };
}

async function overHttp(row: Row): Promise<any> {
  const headers = { host: 'localhost:4000', ...row.headers };
  const response = await stack.gateway.yoga.fetch(`http://${headers.host}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...credentialsOf(row, 'http') },
    body: JSON.stringify({ query: QUERY }),
  });
  return response.json();
}

function socketClient(connectionParams: Record<string, string>, headers: Record<string, string>) {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: `${stack.server!.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WithHeaders,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
  });
}

async function overWs(row: Row): Promise<any> {
  const client = socketClient(credentialsOf(row, 'ws'), { host: 'localhost:4000', ...row.headers });
  try {
    return await new Promise<any>((resolve, reject) => {
      client.subscribe({ query: QUERY }, { next: resolve, error: reject, complete: () => {} });
    });
  } finally {
    await client.dispose();
  }
}

const SEND: Record<Transport, (row: Row) => Promise<any>> = { http: overHttp, ws: overWs };

describe.each(['http', 'ws'] as const)('the caller over %s', (transport) => {
  it.each(ROWS)('$case', async (row) => {
    const result = await SEND[transport](row);
    if (row.expected === 'DEMO' || row.expected === 'OTHER') {
      expect(result.errors).toBeUndefined();
      expect(result.data.datasets).toEqual([{ name: row.expected === 'DEMO' ? 'demo-dataset' : 'other-dataset' }]);
    } else {
      expect(result).toEqual({
        data: null,
        errors: [expect.objectContaining({ message: row.expected, extensions: { code: 'UNAUTHENTICATED' } })],
      });
      expect(stack.calls()).toEqual({});
    }
  });
});

/**
 * One token is one caller: each step spends from the same quota, whatever the transport, the names'
 * case or the scheme's; once it is spent, both transports refuse, and another caller goes on.
 */
describe('the rate-limit subject over both transports', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({
      sharedSimulator: stack.simulator,
      http: true,
      gateway: { rateLimit: createRateLimit({ points: 4, windowSeconds: 600, trustProxy: false }) },
    });
  });
  afterAll(() => limited.close());

  const send = async (transport: Transport, names: Names, authorization: string) => {
    const row: Row = { case: '', authorization, organizationId: OTHER.organizationId, names, expected: 'OTHER' };
    if (transport === 'http') {
      const response = await limited.gateway.yoga.fetch('http://localhost:4000/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...credentialsOf(row, 'http') },
        body: JSON.stringify({ query: QUERY }),
      });
      return (await response.json()) as any;
    }
    const url = limited.server!.url.replace(/^http/, 'ws');
    const client = createClient({
      url: `${url}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: credentialsOf(row, 'ws'),
    });
    try {
      return await new Promise<any>((resolve) => {
        client.subscribe(
          { query: QUERY },
          { next: resolve, error: (errors) => resolve({ errors }), complete: () => {} },
        );
      });
    } finally {
      await client.dispose();
    }
  };
  const code = (result: any) => result.errors?.[0]?.extensions?.code ?? 'OK';

  it('spends one quota per token, and refuses on both transports once it is spent', async () => {
    const steps: Array<[Transport, Names, string, string]> = [
      ['http', 'lower', `Bearer ${OTHER.token}`, 'OK'],
      ['ws', 'upper', `Bearer ${OTHER.token}`, 'OK'],
      ['http', 'upper', `bearer ${OTHER.token}`, 'OK'],
      ['ws', 'lower', ` BEARER ${OTHER.token} `, 'OK'],
      ['ws', 'upper', `Bearer ${OTHER.token}`, 'RATE_LIMITED'],
      ['http', 'lower', `Bearer ${OTHER.token}`, 'RATE_LIMITED'],
    ];
    const outcomes = [];
    for (const [transport, names, authorization] of steps)
      outcomes.push(code(await send(transport, names, authorization)));
    expect(outcomes).toEqual(steps.map((step) => step[3]));
    // Another token is another caller (refused by the upstream, not by the gateway's limit).
    expect(code(await send('ws', 'upper', 'Bearer stranger-token'))).toBe('UNAUTHENTICATED');
  });
});
