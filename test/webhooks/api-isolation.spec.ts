/**
 * Whose endpoints a caller reaches: their own account's only. Another organization (another Together
 * key) sees none of them and can change none (every id is NOT_FOUND, as an id that never existed);
 * an organization id sent with a token the upstream refuses for it is refused with the upstream's own
 * code before the store is touched; a caller without credentials, or a gateway with webhooks off,
 * never reaches the store either. Counted from the store's calls and the simulators' statistics.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seenStatus } from './api-fixtures.js';
import {
  NSCALE_DEMO,
  NSCALE_FORGED,
  NSCALE_OTHER,
  TOGETHER_DEMO,
  TOGETHER_OTHER,
  startWebhookStack,
  type WebhookStack,
} from './api-stack.js';

let stack: WebhookStack;
beforeAll(async () => {
  stack = await startWebhookStack();
});
afterAll(() => stack?.close());

const FIELDS = 'id url events enabled state description updatedAt';
const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { ${FIELDS} } signingSecret } }`;
const LIST = `{ webhookEndpoints { ${FIELDS} } }`;

/** Every operation that names an endpoint or a delivery, as `who` would send it. */
function everyOperation(endpointId: string, deliveryId: string) {
  return [
    { name: 'webhookEndpoint', query: 'query($id: ID!) { webhookEndpoint(id: $id) { id } }', v: { id: endpointId } },
    {
      name: 'webhookDeliveries',
      query: 'query($id: ID!) { webhookDeliveries(endpoint: $id) { edges { node { id payload } } } }',
      v: { id: endpointId },
    },
    {
      name: 'updateWebhookEndpoint',
      query:
        'mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false, events: [JOB_FAILED] }) { id } }',
      v: { id: endpointId },
    },
    {
      name: 'rotateWebhookSecret',
      query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { signingSecret } }',
      v: { id: endpointId },
    },
    {
      name: 'deleteWebhookEndpoint',
      query: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }',
      v: { id: endpointId },
    },
    {
      name: 'redeliverWebhook',
      query: 'mutation($id: ID!) { redeliverWebhook(delivery: $id) { id } }',
      v: { id: deliveryId },
    },
  ];
}

const OWNERS = [
  { name: 'another organization (Nscale)', owner: NSCALE_DEMO, stranger: NSCALE_OTHER },
  { name: 'another API key (Together)', owner: TOGETHER_DEMO, stranger: TOGETHER_OTHER },
  // The same key on the other provider is another account too.
  { name: 'the same token on the other provider', owner: NSCALE_DEMO, stranger: TOGETHER_DEMO },
] as const;

describe.each(OWNERS)('an endpoint seen by $name', ({ owner, stranger }) => {
  it('is not listed, and no operation reaches it: each answers NOT_FOUND as for an unknown id', async () => {
    const created = await stack.as(owner)(CREATE, {
      input: { url: 'http://127.0.0.1:9/own', events: ['JOB_CREATED'], description: 'mine' },
    });
    expect(created.errors).toBeUndefined();
    const { endpoint } = created.data!.createWebhookEndpoint;
    const [delivery] = await stack.store.recordJob(endpoint, seenStatus('job-1', 'queued'), new Date());

    expect((await stack.as(stranger)(LIST)).data?.webhookEndpoints).toEqual([]);
    for (const op of everyOperation(endpoint.id, delivery!.id)) {
      const theirs = await stack.as(stranger)(op.query, op.v);
      expect(theirs.errors?.[0]?.extensions?.code, op.name).toBe('NOT_FOUND');
      const unknown = await stack.as(stranger)(op.query, { id: 'no-such-id' });
      expect(unknown.errors?.[0]?.message.replace('no-such-id', endpoint.id), op.name).toBe(
        theirs.errors?.[0]?.message.replace(delivery!.id, endpoint.id),
      );
    }
    // Untouched: the owner sees it as created, with its secret and delivery as they were.
    expect((await stack.as(owner)(LIST)).data?.webhookEndpoints).toEqual([endpoint]);
    expect(await stack.store.signingSecrets(endpoint.id, new Date())).toEqual([
      created.data!.createWebhookEndpoint.signingSecret,
    ]);
    const deliveries = await stack.as(owner)(
      'query($id: ID!) { webhookDeliveries(endpoint: $id) { edges { node { id state } } } }',
      { id: endpoint.id },
    );
    expect(deliveries.data?.webhookDeliveries.edges).toEqual([{ node: { id: delivery!.id, state: 'PENDING' } }]);
    await stack.as(owner)('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }', { id: endpoint.id });
  });
});

describe('callers the upstream has not accepted', () => {
  beforeEach(() => {
    stack.simulator.resetStats();
    stack.resetStoreCalls();
  });

  it("refuses a forged organization id with the upstream's FORBIDDEN before the store is touched", async () => {
    await stack.as(NSCALE_OTHER)(CREATE, { input: { url: 'http://127.0.0.1:9/other', events: ['JOB_FAILED'] } });
    const [theirs] = await stack.store.listEndpoints({ provider: 'nscale', ownerKey: 'other-org' });
    stack.simulator.resetStats();
    stack.resetStoreCalls();

    const attempts = [
      [LIST, {}],
      [CREATE, { input: { url: 'http://127.0.0.1:9/forged', events: ['JOB_FAILED'] } }],
      ...everyOperation(theirs!.id, 'msg_x').map((op) => [op.query, op.v] as const),
    ] as const;
    for (const [query, variables] of attempts) {
      const refused = await stack.as(NSCALE_FORGED)(query, variables);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.text).not.toContain(theirs!.url);
    }
    expect(stack.storeCalls()).toEqual({});
    // One check each, nothing more: the refusal stops the operation.
    expect(stack.calls()).toEqual({ 'GET /jobs': attempts.length });
    expect(await stack.store.listEndpoints({ provider: 'nscale', ownerKey: 'other-org' })).toEqual([theirs]);
    // The same operations with the organization's own token do reach it (the count is of real calls).
    const own = await stack.as(NSCALE_OTHER)(LIST);
    expect(own.data?.webhookEndpoints.map((e: { url: string }) => e.url)).toEqual([theirs!.url]);
    expect(stack.storeCalls()).toEqual({ listEndpoints: 1 });
  });

  it('refuses an unknown token (UNAUTHENTICATED) and a caller without credentials, before the store', async () => {
    const unknown = await stack.as({ authorization: 'Bearer nobody', 'x-organization-id': 'demo-org' })(LIST);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unknownKey = await stack.as({ authorization: 'Bearer nobody', 'x-provider': 'together' })(LIST);
    expect(unknownKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const none = await stack.as({})(LIST);
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(stack.storeCalls()).toEqual({});
  });
});

describe('webhooks off', () => {
  it('answers every webhook operation FORBIDDEN naming WEBHOOKS_ENABLED, with no upstream call', async () => {
    const off = await startWebhookStack({ env: { WEBHOOKS_ENABLED: 'false' } });
    try {
      for (const query of [LIST, 'mutation { rotateWebhookSecret(id: "x") { signingSecret } }']) {
        const refused = await off.as(NSCALE_DEMO)(query);
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', setting: 'WEBHOOKS_ENABLED' });
        expect(refused.errors?.[0]?.message).toContain('WEBHOOKS_ENABLED=false');
      }
      expect(off.calls()).toEqual({});
      expect(off.storeCalls()).toEqual({});
    } finally {
      await off.close();
    }
  });
});
