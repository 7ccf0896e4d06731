/**
 * The webhook endpoints' GraphQL API on each provider, over the real store (PGlite in memory) through
 * the real gateway on the embedded simulators: create (the signing secret once, the caller's
 * credentials stored, the owner's jobs as the baseline), list, read, update, rotate, delete; the
 * secret never in a later response; and what each operation costs the upstream (one check of the
 * caller's credentials), counted from the simulators.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO } from '../harness/stack.js';
import { nscaleJob, seenStatus, togetherJob } from './api-fixtures.js';
import { NSCALE_DEMO, TOGETHER_DEMO, startWebhookStack, type WebhookStack } from './api-stack.js';

let stack: WebhookStack;
beforeAll(async () => {
  stack = await startWebhookStack({ env: { SIMULATOR_JOB_SECONDS: '600' } });
});
afterAll(() => stack?.close());

const ENDPOINT_FIELDS =
  'id provider url events description enabled state stateReason createdAt updatedAt previousSecretExpiresAt';
const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT_FIELDS} } signingSecret } }`;
const LIST = `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`;
const ONE = `query($id: ID!) { webhookEndpoint(id: $id) { ${ENDPOINT_FIELDS} } }`;
const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { ${ENDPOINT_FIELDS} } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { ${ENDPOINT_FIELDS} } signingSecret } }`;
const DELETE = 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }';

const nonZero = (stats: Record<string, number>) => Object.fromEntries(Object.entries(stats).filter(([, n]) => n > 0));

const PROVIDERS = [
  {
    name: 'Nscale',
    provider: 'NSCALE',
    headers: NSCALE_DEMO,
    upstream: () => stack.simulator,
    listRoute: 'GET /jobs',
    job: (name: string) => nscaleJob(stack, name),
    stored: { token: 'demo-token', organizationId: 'demo-org' },
  },
  {
    name: 'Together',
    provider: 'TOGETHER',
    headers: TOGETHER_DEMO,
    upstream: () => stack.togetherSimulator!,
    listRoute: 'GET /fine-tunes',
    job: (name: string) => togetherJob(stack, TOGETHER_DEMO, name),
    stored: { token: 'demo-token' },
  },
] as const;

describe.each(PROVIDERS)('webhook endpoints on $name', (p) => {
  const gql = () => stack.as(p.headers);
  beforeEach(() => {
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();
    stack.resetStoreCalls();
  });
  // Each spec starts with no endpoint of this owner.
  afterEach(async () => {
    for (const { id } of (await gql()(LIST)).data?.webhookEndpoints ?? []) await gql()(DELETE, { id });
  });

  it('registers an endpoint: the secret once, the caller’s credentials sealed with it, the jobs that exist as its baseline', async () => {
    const existing = await p.job('before-the-endpoint');
    p.upstream().resetStats();
    const created = await gql()(CREATE, {
      input: { url: 'http://127.0.0.1:9/hooks', events: ['JOB_COMPLETED', 'JOB_CREATED'], description: 'CI' },
    });
    expect(created.errors).toBeUndefined();
    const { endpoint, signingSecret } = created.data!.createWebhookEndpoint;
    expect(endpoint).toMatchObject({
      provider: p.provider,
      url: 'http://127.0.0.1:9/hooks',
      events: ['JOB_COMPLETED', 'JOB_CREATED'],
      description: 'CI',
      enabled: true,
      state: 'ACTIVE',
      stateReason: null,
      previousSecretExpiresAt: null,
    });
    // Standard Webhooks' form: whsec_ and the base64 of 24 random bytes; the package signs with it.
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(signingSecret.slice(6), 'base64')).toHaveLength(24);
    const signed = new Webhook(signingSecret).sign('msg_1', new Date(), '{}');
    expect(signed).toMatch(/^v1,/);

    // What the watcher and the sender get: this secret, and the caller's own credentials.
    const watched = (await stack.store.watchedEndpoints(new Date())).find((e) => e.id === endpoint.id)!;
    expect(watched.signingSecrets).toEqual([signingSecret]);
    expect(watched.credentials).toEqual(p.stored);
    // The job that existed is the baseline: seen again, it sends no JOB_CREATED; a new job does.
    const again = await stack.store.recordJob(watched, seenStatus(existing, 'queued'), new Date());
    expect(again.map((d) => d.type)).not.toContain('JOB_CREATED');
    const fresh = await stack.store.recordJob(watched, seenStatus(`${p.name}-new-job`, 'queued'), new Date());
    expect(fresh.map((d) => d.type)).toEqual(['JOB_CREATED']);
    // The upstream: the caller's jobs read once (the check and the baseline are the same list).
    expect(nonZero(p.upstream().stats())).toEqual({ [p.listRoute]: 1 });
  });

  it('lists, reads, updates, rotates and deletes, and never shows the secret again', async () => {
    const created = await gql()(CREATE, { input: { url: 'http://127.0.0.1:9/a', events: ['JOB_FAILED'] } });
    const { endpoint, signingSecret } = created.data!.createWebhookEndpoint;
    const later: string[] = [];
    const run = async (query: string, variables?: Record<string, unknown>) => {
      const response = await gql()(query, variables);
      later.push(response.text);
      return response;
    };

    const list = await run(LIST);
    expect(list.data?.webhookEndpoints).toEqual([{ ...endpoint }]);
    expect((await run(ONE, { id: endpoint.id })).data?.webhookEndpoint).toEqual(endpoint);

    const updated = await run(UPDATE, {
      input: { id: endpoint.id, events: ['JOB_RUNNING', 'JOB_STATUS_CHANGED'], enabled: false, description: 'nightly' },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateWebhookEndpoint).toMatchObject({
      id: endpoint.id,
      url: endpoint.url,
      events: ['JOB_RUNNING', 'JOB_STATUS_CHANGED'],
      enabled: false,
      description: 'nightly',
    });
    // Omitted fields stay; a null description removes it; enabling again.
    const again = await run(UPDATE, { input: { id: endpoint.id, enabled: true, description: null } });
    expect(again.data?.updateWebhookEndpoint).toMatchObject({
      events: ['JOB_RUNNING', 'JOB_STATUS_CHANGED'],
      enabled: true,
      description: null,
      state: 'ACTIVE',
    });

    const before = Date.now();
    const rotated = await gql()(ROTATE, { id: endpoint.id });
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data!.rotateWebhookSecret;
    expect(next.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(next.signingSecret).not.toBe(signingSecret);
    // The previous secret signs beside the new one for the grace period (24 h by default).
    const expires = Date.parse(next.endpoint.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    expect(await stack.store.signingSecrets(endpoint.id, new Date())).toEqual([next.signingSecret, signingSecret]);
    expect(await stack.store.signingSecrets(endpoint.id, new Date(expires + 1))).toEqual([next.signingSecret]);

    expect((await run(LIST)).data?.webhookEndpoints[0].previousSecretExpiresAt).toBe(
      next.endpoint.previousSecretExpiresAt,
    );
    // Once the grace has passed only one secret signs, and the field says so (it kept the expiry: trial).
    vi.useFakeTimers({ toFake: ['Date'], now: expires + 1 });
    try {
      expect((await run(ONE, { id: endpoint.id })).data?.webhookEndpoint.previousSecretExpiresAt).toBeNull();
    } finally {
      vi.useRealTimers();
    }
    const deleted = await run(DELETE, { id: endpoint.id });
    expect(deleted.data?.deleteWebhookEndpoint).toEqual({ id: endpoint.id });
    expect((await run(LIST)).data?.webhookEndpoints).toEqual([]);
    const gone = await run(ONE, { id: endpoint.id });
    expect(gone.data?.webhookEndpoint).toBeNull();
    expect(gone.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(await stack.store.signingSecrets(endpoint.id, new Date())).toBeNull();
    const twice = await run(DELETE, { id: endpoint.id });
    expect(twice.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Neither secret, nor the caller's token, in anything answered after the creation or rotation.
    for (const text of later) {
      expect(text).not.toContain(signingSecret);
      expect(text).not.toContain(next.signingSecret);
      expect(text).not.toContain(signingSecret.slice(6));
      expect(text).not.toContain('demo-token');
    }
  });

  it('checks the caller with the upstream once per request, however many fields need it', async () => {
    const created = await gql()(CREATE, { input: { url: 'http://127.0.0.1:9/b', events: ['JOB_COMPLETED'] } });
    const id = created.data!.createWebhookEndpoint.endpoint.id as string;
    p.upstream().resetStats();
    const both = await gql()(
      `query($id: ID!) { webhookEndpoints { id deliveries(first: 5) { edges { node { id attempts { number } } } } }
        webhookEndpoint(id: $id) { id } webhookDeliveries(endpoint: $id) { pageInfo { hasNextPage } } }`,
      { id },
    );
    expect(both.errors).toBeUndefined();
    expect(nonZero(p.upstream().stats())).toEqual({ [p.listRoute]: 1 });
  });
});

describe("a new endpoint's baseline on Nscale", () => {
  it('is every job of the organization, read in pages of 100, the first page by the check itself', async () => {
    const { datasetId } = await seedDataset(stack, DEMO, 'many');
    const ids: string[] = [];
    for (let i = 0; i < 205; i++) {
      const job = await stack.client.createJob(DEMO, {
        name: `many-${i}`,
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
      ids.push(job.id);
    }
    const total = (await stack.client.listJobs(DEMO, { limit: 1 })).total;
    stack.simulator.resetStats();
    const created = await stack.as(NSCALE_DEMO)(CREATE, {
      input: { url: 'http://127.0.0.1:9/many', events: ['JOB_CREATED'] },
    });
    expect(created.errors).toBeUndefined();
    expect(stack.calls()).toEqual({ 'GET /jobs': Math.ceil(total / 100) });
    const endpoint = created.data!.createWebhookEndpoint.endpoint;
    // Seen by the watcher, none of them is new: no JOB_CREATED for any.
    for (const id of ids) {
      const inserted = await stack.store.recordJob(endpoint, seenStatus(id, 'queued'), new Date());
      expect(inserted.map((d) => d.type)).not.toContain('JOB_CREATED');
    }
    await stack.as(NSCALE_DEMO)(DELETE, { id: endpoint.id });
  });
});

describe('webhook endpoint limit', () => {
  it('refuses the endpoint past WEBHOOK_MAX_ENDPOINTS with CONFLICT naming the setting', async () => {
    const small = await startWebhookStack({ env: { WEBHOOK_MAX_ENDPOINTS: '2' } });
    try {
      const create = (n: number) =>
        small.as(NSCALE_DEMO)(CREATE, { input: { url: `http://127.0.0.1:9/${n}`, events: ['JOB_FAILED'] } });
      expect((await create(1)).errors).toBeUndefined();
      expect((await create(2)).errors).toBeUndefined();
      const third = await create(3);
      // As docs/webhooks.md documents it: the limit in force beside the code.
      expect(third.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', limit: 2 });
      expect(third.errors?.[0]?.message).toContain('WEBHOOK_MAX_ENDPOINTS');
      expect(third.text).not.toMatch(/whsec_/);
      expect((await small.as(NSCALE_DEMO)(LIST)).data?.webhookEndpoints).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});
