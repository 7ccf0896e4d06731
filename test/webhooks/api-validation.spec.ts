/**
 * What createWebhookEndpoint and updateWebhookEndpoint refuse, and how: every problem of the input at
 * once, each its own BAD_USER_INPUT error with `extensions.field` and a message naming the field, the
 * value and the rule, before any upstream call or store access; then the URL policy (https, public
 * addresses, WEBHOOK_ALLOWED_PORTS, WEBHOOK_ALLOWED_HOSTS), checked for a caller the upstream has
 * accepted, before anything is stored. A URL's user name or password is never repeated.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NSCALE_DEMO, startWebhookStack, type WebhookStack } from './api-stack.js';

let stack: WebhookStack;
beforeAll(async () => {
  // No allowed host: the URL policy applies in full.
  stack = await startWebhookStack({ env: { WEBHOOK_ALLOWED_HOSTS: '' } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.simulator.resetStats();
  stack.resetStoreCalls();
});

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id url } signingSecret } }`;
const create = (input: Record<string, unknown>) => stack.as(NSCALE_DEMO)(CREATE, { input });
const problems = (errors: Array<{ message: string; extensions?: Record<string, any> }> | undefined) =>
  (errors ?? []).map((e) => ({ field: e.extensions?.field, code: e.extensions?.code, message: e.message }));

describe('createWebhookEndpoint input', () => {
  it('reports every problem at once, each naming its field, value and rule, with no upstream call', async () => {
    const refused = await create({
      url: 'ftp://files.example.com/drop',
      events: ['JOB_FAILED', 'JOB_FAILED'],
      description: 'x'.repeat(501),
    });
    expect(problems(refused.errors)).toEqual([
      {
        field: 'url',
        code: 'BAD_USER_INPUT',
        message: 'url: "ftp://files.example.com/drop" is not an https URL (ftp is not a web protocol)',
      },
      {
        field: 'events',
        code: 'BAD_USER_INPUT',
        message: 'events: ["JOB_FAILED","JOB_FAILED"] names an event more than once',
      },
      {
        field: 'description',
        code: 'BAD_USER_INPUT',
        message: 'description: 501 characters is more than the 500 a description may have',
      },
    ]);
    expect(stack.calls()).toEqual({});
    expect(stack.storeCalls()).toEqual({});
  });

  it('refuses no events, a text that is not a URL, and an overlong URL', async () => {
    expect(problems((await create({ url: 'not a url', events: [] })).errors)).toEqual([
      {
        field: 'url',
        code: 'BAD_USER_INPUT',
        message: 'url: "not a url" is not an absolute URL such as https://example.com/hooks',
      },
      { field: 'events', code: 'BAD_USER_INPUT', message: 'events: [] names no event; subscribe to at least one' },
    ]);
    const long = `https://example.com/${'a'.repeat(2100)}`;
    const refused = await create({ url: long, events: ['JOB_FAILED'] });
    expect(refused.errors?.[0]?.message).toBe(`url: ${long.length} characters is more than the 2048 a URL may have`);
    expect(refused.text).not.toContain('a'.repeat(300));
  });

  it('refuses a URL with a user name or password without repeating it', async () => {
    const refused = await create({ url: 'https://hook:s3cr3t-pass@example.com/x', events: ['JOB_FAILED'] });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    expect(refused.errors?.[0]?.message).toMatch(/^url: holds a user name or password/);
    expect(refused.text).not.toContain('s3cr3t-pass');
    expect(refused.text).not.toContain('hook:');
    expect(stack.storeCalls()).toEqual({});
  });

  it.each([
    ['https://alice:s3cr3tPW@exa mple.com/', 'is not an absolute URL such as https://example.com/hooks'],
    ['alice:s3cr3tPW@hooks.example.com', 'is not an https URL'],
  ])('refuses %j, which is not an https URL, without repeating its user name or password', async (url, rule) => {
    const refused = await create({ url, events: ['JOB_COMPLETED'] });
    expect(problems(refused.errors)).toEqual([
      {
        field: 'url',
        code: 'BAD_USER_INPUT',
        message: `url: ${rule}; the value is not repeated here, since what precedes its @ may be a user name or password`,
      },
    ]);
    expect(refused.text).not.toMatch(/alice|s3cr3tPW/);
    expect(stack.calls()).toEqual({});
    expect(stack.storeCalls()).toEqual({});
  });

  it('refuses a control character in the description (PostgreSQL refuses U+0000) on create and update, not a tab or line break', async () => {
    const created = await create({
      url: 'https://example.com/hooks',
      events: ['JOB_FAILED'],
      description: 'ci\u0000x',
    });
    expect(problems(created.errors)).toEqual([
      {
        field: 'description',
        code: 'BAD_USER_INPUT',
        message: 'description: holds a control character (U+0000) at position 2; a description may not',
      },
    ]);
    const updated = await stack.as(NSCALE_DEMO)(
      'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }',
      { input: { id: 'any-endpoint', description: 'nightly \u001b[31mred' } },
    );
    expect(problems(updated.errors)).toEqual([
      {
        field: 'description',
        code: 'BAD_USER_INPUT',
        message: 'description: holds a control character (U+001B) at position 8; a description may not',
      },
    ]);
    expect(stack.calls()).toEqual({});
    expect(stack.storeCalls()).toEqual({});

    // Tabs and line breaks are no trouble: kept.
    const kept = await stack.as(NSCALE_DEMO)(
      `mutation($input: CreateWebhookEndpointInput!) {
        createWebhookEndpoint(input: $input) { endpoint { id description } } }`,
      { input: { url: 'https://8.8.8.8/hooks', events: ['JOB_FAILED'], description: 'line one\r\n\tline two' } },
    );
    expect(kept.errors).toBeUndefined();
    expect(kept.data?.createWebhookEndpoint.endpoint.description).toBe('line one\r\n\tline two');
    await stack.as(NSCALE_DEMO)('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }', {
      id: kept.data?.createWebhookEndpoint.endpoint.id,
    });
  });

  it('refuses an id or events of updateWebhookEndpoint the same way', async () => {
    const refused = await stack.as(NSCALE_DEMO)(
      'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }',
      { input: { id: 'x'.repeat(300), events: [] } },
    );
    expect(problems(refused.errors)).toEqual([
      {
        field: 'id',
        code: 'BAD_USER_INPUT',
        message: 'id: 300 characters is more than the 256 an id or a name may have',
      },
      { field: 'events', code: 'BAD_USER_INPUT', message: 'events: [] names no event; subscribe to at least one' },
    ]);
    expect(stack.calls()).toEqual({});
  });
});

describe('the URL policy at registration', () => {
  const REFUSED = [
    ['http://127.0.0.1:8080/hooks', /127\.0\.0\.1 is .*loopback/],
    ['https://127.0.0.1/hooks', /loopback/],
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
    ['https://10.0.0.5/hooks', /10\.0\.0\.5 is .*private/],
    ['https://[::1]/hooks', /loopback/],
    ['https://localhost/hooks', /localhost is a loopback name/],
    ['http://example.com/hooks', /must use https/],
    ['https://8.8.8.8:0/', /names port 0/],
    ['https://8.8.8.8:22/', /names port 22; webhooks go to ports 443, 8443 only/],
  ] as const;

  it.each(REFUSED)('refuses %s with BAD_USER_INPUT naming url, storing nothing', async (url, reason) => {
    const refused = await create({ url, events: ['JOB_COMPLETED'] });
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    expect(refused.errors?.[0]?.message).toMatch(/^url: /);
    expect(refused.errors?.[0]?.message).toMatch(reason);
    expect(refused.text).not.toMatch(/whsec_/);
    // The caller was checked first (one call), then nothing was stored.
    expect(stack.calls()).toEqual({ 'GET /jobs': 1 });
    expect(stack.storeCalls()).toEqual({});
  });

  it('refuses a public address on a port not in WEBHOOK_ALLOWED_PORTS, saying which ports and how to get another', async () => {
    const refused = await create({ url: 'https://1.1.1.1:22/', events: ['JOB_COMPLETED'] });
    expect(problems(refused.errors)).toEqual([
      {
        field: 'url',
        code: 'BAD_USER_INPUT',
        message:
          'url: https://1.1.1.1:22/: names port 22; webhooks go to ports 443, 8443 only, unless the host is ' +
          'listed in WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)',
      },
    ]);
    expect(stack.storeCalls()).toEqual({});
  });

  it('accepts the default ports on a public address: 443, named or not, and 8443', async () => {
    const urls: string[] = [];
    for (const url of ['https://1.1.1.1/hooks', 'https://8.8.8.8:443/hooks', 'https://8.8.8.8:8443/hooks']) {
      const created = await create({ url, events: ['JOB_COMPLETED'] });
      expect(created.errors).toBeUndefined();
      const endpoint = created.data?.createWebhookEndpoint.endpoint as { id: string; url: string };
      urls.push(endpoint.url);
      await stack.as(NSCALE_DEMO)('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }', { id: endpoint.id });
    }
    expect(urls).toEqual(['https://1.1.1.1/hooks', 'https://8.8.8.8/hooks', 'https://8.8.8.8:8443/hooks']);
  });

  it('reads WEBHOOK_ALLOWED_PORTS; a host in WEBHOOK_ALLOWED_HOSTS may still name any port', async () => {
    const narrowed = await startWebhookStack({
      env: { WEBHOOK_ALLOWED_HOSTS: '1.1.1.1', WEBHOOK_ALLOWED_PORTS: '8443' },
    });
    try {
      const as = narrowed.as(NSCALE_DEMO);
      const refused = await as(CREATE, { input: { url: 'https://8.8.8.8/hooks', events: ['JOB_COMPLETED'] } });
      expect(problems(refused.errors)).toEqual([
        {
          field: 'url',
          code: 'BAD_USER_INPUT',
          message:
            'url: https://8.8.8.8/hooks: names no port (so 443); webhooks go to port 8443 only, unless the host ' +
            'is listed in WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)',
        },
      ]);
      const allowed = await as(CREATE, { input: { url: 'https://1.1.1.1:22/hooks', events: ['JOB_COMPLETED'] } });
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data?.createWebhookEndpoint.endpoint.url).toBe('https://1.1.1.1:22/hooks');
    } finally {
      await narrowed.close();
    }
  });

  it('allows plain http to a loopback host the operator lists in WEBHOOK_ALLOWED_HOSTS', async () => {
    const allowed = await startWebhookStack({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      const created = await allowed.as(NSCALE_DEMO)(CREATE, {
        input: { url: 'http://127.0.0.1:8080/hooks#frag', events: ['JOB_COMPLETED'] },
      });
      expect(created.errors).toBeUndefined();
      // Stored as the policy normalises it (no fragment).
      expect(created.data?.createWebhookEndpoint.endpoint.url).toBe('http://127.0.0.1:8080/hooks');
    } finally {
      await allowed.close();
    }
  });
});
