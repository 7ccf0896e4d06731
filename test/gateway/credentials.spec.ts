/** Credentials pass through as the caller's; missing or bad ones get UNAUTHENTICATED, never data. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

async function raw(headers: Record<string, string>) {
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ baseModels { id } }' }),
  });
  return (await response.json()) as {
    data: unknown;
    errors?: Array<{ message: string; extensions: { code: string } }>;
  };
}

describe('credentials', () => {
  it('a request without credentials is refused (no fallback configured) and reaches no upstream', async () => {
    const res = await raw({});
    expect(res.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toMatch(/Authorization: Bearer <service token>.*X-Organization-Id/);
    expect(stack.calls()).toEqual({});
  });

  it('a token without an organization id is refused with a message saying so', async () => {
    const res = await raw({ authorization: 'Bearer demo-token' });
    expect(res.errors?.[0]).toMatchObject({
      message:
        'A token was sent without an organization id: send "X-Organization-Id: <organization id>" with it (over WebSocket, connectionParams "organizationId"). A request that names no provider runs on nscale: if the token is a key of another provider (together), name it: "X-Provider: together" (over WebSocket, connectionParams "provider").',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('an Authorization value that is not a bearer token is refused', async () => {
    const res = await raw({ authorization: 'Basic ZGVtbzpkZW1v', 'x-organization-id': 'demo-org' });
    expect(res.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toBe('The Authorization value must have the form "Bearer <service token>".');
    // "Bearer " with no token (a form left empty): the message reads whole, the word not scrubbed as a secret.
    const empty = await raw({ authorization: 'Bearer ', 'x-organization-id': 'demo-org' });
    expect(empty.errors?.[0]?.message).toBe('The Authorization value must have the form "Bearer <service token>".');
  });

  it('a bad token gets UNAUTHENTICATED even while the catalogue is cached for a good one, and never sees it', async () => {
    const good = await raw({ authorization: 'Bearer demo-token', 'x-organization-id': 'demo-org' });
    expect(good.errors).toBeUndefined();
    const bad = await raw({ authorization: 'Bearer stolen-guess', 'x-organization-id': 'demo-org' });
    expect(bad.data).toBeNull();
    expect(bad.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(bad)).not.toContain('stolen-guess');
    expect(stack.calls()['GET /base-models']).toBe(2);
  });

  it('the fallback credentials serve callers who send none, when configured', async () => {
    // The harness sends its requests to http://gateway.test: a host name like any other, so listed.
    const demo = await startStack({ gateway: { fallbackCredentials: DEMO, allowedHosts: ['gateway.test'] } });
    try {
      const res = await demo.gql('{ baseModels { id } }', {}, null);
      expect(res.errors).toBeUndefined();
      expect(res.data?.baseModels).toHaveLength(8);
    } finally {
      await demo.close();
    }
  });
});

describe('default credentials and other sites', () => {
  let demo: Stack;
  beforeAll(async () => {
    demo = await startStack({ gateway: { fallbackCredentials: DEMO } });
  });
  afterAll(() => demo.close());

  const ask = async (headers: Record<string, string>) => {
    const response = await demo.gateway.yoga.fetch('http://localhost:4000/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: 'localhost:4000', ...headers },
      body: JSON.stringify({
        query: 'mutation { createDataset(input: { name: "x", trainingFileId: "file-1" }) { id } }',
      }),
    });
    return (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
  };

  it('a page on another site gets UNAUTHENTICATED instead of the default credentials, and reaches no upstream', async () => {
    demo.simulator.resetStats();
    const res = await ask({ origin: 'https://evil.example' });
    expect(res.errors?.[0]).toMatchObject({
      message:
        "A request from another site (its Origin header is not the scheme, host and port it was sent to) must carry its own credentials: this gateway's default credentials serve only its own pages (on localhost or a host listed in GATEWAY_ALLOWED_HOSTS) and clients that are not browsers.",
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(demo.calls()).toEqual({});
  });

  it("the gateway's own pages (GraphiQL) and clients without an Origin still get them", async () => {
    for (const headers of [{ origin: 'http://localhost:4000' }, {}] as Array<Record<string, string>>) {
      const res = await ask(headers);
      // The default credentials were used: the upstream answered (the file id is unknown to it).
      expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('a page on another site with its own credentials is served', async () => {
    const res = await ask({
      origin: 'https://app.example',
      authorization: 'Bearer demo-token',
      'x-organization-id': 'demo-org',
    });
    expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});

/**
 * DNS rebinding: a page at http://rebind.example:4000 whose name re-resolves to the gateway's address
 * sends `Host: rebind.example:4000` and a matching `Origin`, so it looked same-site and got the default
 * credentials. They now serve only loopback host names and those listed in GATEWAY_ALLOWED_HOSTS.
 */
describe('default credentials and the Host a request was sent to', () => {
  let demo: Stack;
  beforeAll(async () => {
    demo = await startStack({ gateway: { fallbackCredentials: DEMO, allowedHosts: ['gateway.example.com'] } });
  });
  afterAll(() => demo.close());
  beforeEach(() => demo.simulator.resetStats());

  const CREATE = 'mutation { createDataset(input: { name: "x", trainingFileId: "file-1" }) { id } }';
  const send = async (host: string, headers: Record<string, string>, form = false) => {
    const response = await demo.gateway.yoga.fetch(`http://${host}/graphql`, {
      method: 'POST',
      headers: { host, 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
      body: form ? new URLSearchParams({ query: CREATE }).toString() : JSON.stringify({ query: CREATE }),
    });
    return (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
  };
  const REBIND_MESSAGE =
    'The default credentials serve only requests sent to localhost, 127.0.0.1, [::1] or a host listed in GATEWAY_ALLOWED_HOSTS, and the Host header of this request is none of them: send credentials of your own (Authorization, and on Nscale X-Organization-Id). GATEWAY_ALLOWED_HOSTS is for names the operator publishes; behind a proxy, have it forward the name clients used (Host, X-Forwarded-Host).';

  it.each([
    ['a JSON POST', false],
    ['a form POST', true],
  ])(
    '%s from a re-bound name gets UNAUTHENTICATED naming GATEWAY_ALLOWED_HOSTS, and reaches no upstream',
    async (_name, form) => {
      const res = await send('rebind.example:4000', { origin: 'http://rebind.example:4000' }, form);
      expect(res.errors).toEqual([
        expect.objectContaining({ message: REBIND_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }),
      ]);
      expect(demo.calls()).toEqual({});
    },
  );

  it('an X-Forwarded-Host the page adds itself does not help', async () => {
    const res = await send('rebind.example:4000', { 'x-forwarded-host': 'localhost:4000' });
    expect(res.errors?.[0]?.message).toBe(REBIND_MESSAGE);
    expect(demo.calls()).toEqual({});
  });

  it.each([['same-site'], ['cross-site']])(
    'a browser request whose Sec-Fetch-Site is %s gets UNAUTHENTICATED',
    async (site) => {
      const res = await send('localhost:4000', { 'sec-fetch-site': site });
      expect(res.errors?.[0]).toMatchObject({
        message: `A request from another site (its Sec-Fetch-Site header is ${site}) must carry its own credentials: this gateway's default credentials serve only its own pages (on localhost or a host listed in GATEWAY_ALLOWED_HOSTS) and clients that are not browsers.`,
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(demo.calls()).toEqual({});
    },
  );

  it.each([
    ['localhost:4000', {}],
    ['127.0.0.1:4000', { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:4000' }],
    ['[::1]:4000', { 'sec-fetch-site': 'none' }],
    ['localhost', {}],
    ['Gateway.Example.COM:8443', { origin: 'https://gateway.example.com:8443', 'x-forwarded-proto': 'https' }],
    [
      '127.0.0.1:4000',
      {
        'x-forwarded-host': 'gateway.example.com',
        'x-forwarded-proto': 'https',
        origin: 'https://gateway.example.com',
      },
    ],
  ] as Array<[string, Record<string, string>]>)('a request sent to %s %j gets them', async (host, headers) => {
    const res = await send(host, headers);
    // The default credentials were used: the upstream answered (the file id is unknown to it).
    expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  // Regression: the refusals repeated the client's Host, X-Forwarded-Host and Origin (up to 200
  // characters each) and Sec-Fetch-Site; they name the header and the rule, never its text.
  it.each([
    ['Host', 'attacker-text.example:4000', {}],
    ['X-Forwarded-Host', 'localhost:4000', { 'x-forwarded-host': 'attacker-text.example' }],
    ['Origin', 'localhost:4000', { origin: 'https://attacker-text.example' }],
    ['Sec-Fetch-Site', 'localhost:4000', { 'sec-fetch-site': 'attacker-text' }],
  ] as Array<[string, string, Record<string, string>]>)(
    'a refusal for its %s header names the header, and does not repeat its value',
    async (header, host, headers) => {
      const res = await send(host, headers);
      expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
      expect(res.errors![0]!.message).toContain(`${header} header`);
      expect(JSON.stringify(res)).not.toContain('attacker-text');
      expect(demo.calls()).toEqual({});
    },
  );

  // Regression: the Origin rule compared host and port only: a page on http:// got the default
  // credentials of a gateway reached over https://, and the other way round.
  it.each([
    [
      'an http:// page, the gateway reached over https://',
      'gateway.example.com',
      'http://gateway.example.com',
      'https',
    ],
    ['an https:// page, the gateway reached over http://', 'localhost:4000', 'https://localhost:4000', undefined],
    ['an https:// page, its proxy saying the client came over http', 'localhost:443', 'https://localhost', 'http'],
  ])('%s gets UNAUTHENTICATED, and reaches no upstream', async (_name, host, origin, proto) => {
    const res = await send(host, { origin, ...(proto ? { 'x-forwarded-proto': proto } : {}) });
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^A request from another site \(its Origin header is not the scheme, host and port/,
        ),
        extensions: { code: 'UNAUTHENTICATED' },
      }),
    ]);
    expect(demo.calls()).toEqual({});
  });

  it('a request to any host is served with credentials of its own', async () => {
    const res = await send('rebind.example:4000', {
      origin: 'http://rebind.example:4000',
      'sec-fetch-site': 'cross-site',
      ...headersFor(DEMO),
    });
    expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
