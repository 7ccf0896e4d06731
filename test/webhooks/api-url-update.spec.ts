/**
 * The owner's way out of a URL the policy no longer allows (the rolling-upgrade trial: an endpoint
 * registered on https://1.1.1.1:8080/x before WEBHOOK_ALLOWED_PORTS existed could only be deleted,
 * its deliveries with it): `updateWebhookEndpoint(input: { id, url })`, checked exactly as at
 * registration, and its pending deliveries due at once at the new URL. Meanwhile `redeliverWebhook`
 * of its deliveries is refused, coded, since nothing would be sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NSCALE_DEMO, startWebhookStack, type WebhookStack } from './api-stack.js';
import { seenStatus } from './api-fixtures.js';

let stack: WebhookStack;
beforeAll(async () => {
  stack = await startWebhookStack();
});
afterAll(() => stack?.close());

const gql = () => stack.as(NSCALE_DEMO);
const OWNER = { provider: 'nscale', ownerKey: 'demo-org' } as const;
const OLD_URL = 'https://1.1.1.1:8080/x';
const REFUSAL =
  'https://1.1.1.1:8080/x: names port 8080; webhooks go to ports 443, 8443 only, unless the host is listed in ' +
  'WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)';
const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { id url state stateReason } }`;
const REDELIVER = 'mutation($id: ID!) { redeliverWebhook(delivery: $id) { id state nextAttemptAt } }';

/** An endpoint stored on OLD_URL (as registered before the port rule), with one delivery waiting for a retry. */
async function endpointOnOldUrl(path: string) {
  const created = await gql()(
    'mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: [JOB_CREATED] }) { endpoint { id events } } }',
    { url: `http://127.0.0.1:9/${path}` },
  );
  const { endpoint } = created.data!.createWebhookEndpoint as { endpoint: { id: string; events: ['JOB_CREATED'] } };
  expect(await stack.store.updateEndpoint(OWNER, endpoint.id, { url: OLD_URL }, new Date())).not.toBeNull();
  const [delivery] = await stack.store.recordJob(endpoint, seenStatus(`${path}-job`, 'queued'), new Date());
  // Its first attempt was refused: the next is an hour away.
  const [claim] = (await stack.store.claimDue('spec', 100, 60_000, new Date())).filter((c) => c.id === delivery!.id);
  await stack.store.finishAttempt(
    claim!,
    {
      kind: 'failed',
      responseCode: null,
      error: `refused URL: ${REFUSAL}`,
      durationMs: 0,
      retryAt: new Date(Date.now() + 3_600_000),
      refused: 'refused',
    },
    new Date(),
  );
  return { endpoint, delivery: delivery! };
}

describe('updateWebhookEndpoint url', () => {
  it('is checked as at registration: the same refusal, BAD_USER_INPUT on url, nothing changed', async () => {
    const { endpoint } = await endpointOnOldUrl('checked');
    const refused = await gql()(UPDATE, { input: { id: endpoint.id, url: 'https://1.1.1.1:8080/y' } });
    expect(refused.errors?.[0]).toMatchObject({
      message: `url: ${REFUSAL.replace('8080/x', '8080/y')}`,
      extensions: { code: 'BAD_USER_INPUT', field: 'url' },
    });
    const form = await gql()(UPDATE, { input: { id: endpoint.id, url: 'not a url' } });
    expect(form.errors?.[0]).toMatchObject({
      message: 'url: "not a url" is not an absolute URL such as https://example.com/hooks',
      extensions: { code: 'BAD_USER_INPUT', field: 'url' },
    });
    expect(await stack.store.getEndpoint(OWNER, endpoint.id)).toMatchObject({ url: OLD_URL, state: 'failing' });
  });

  it('stores a URL the policy allows, makes the endpoint ACTIVE, and its pending delivery due at once', async () => {
    const { endpoint, delivery } = await endpointOnOldUrl('moved');
    const before = Date.now();
    const updated = await gql()(UPDATE, { input: { id: endpoint.id, url: 'https://8.8.8.8:8443/hooks#frag' } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateWebhookEndpoint).toEqual({
      id: endpoint.id,
      url: 'https://8.8.8.8:8443/hooks',
      state: 'ACTIVE',
      stateReason: null,
    });
    const [pending] = (await stack.store.listDeliveries(OWNER, endpoint.id, 1, null)).deliveries;
    expect(pending).toMatchObject({ id: delivery.id, state: 'pending' });
    expect(pending!.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(pending!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    const [claim] = (await stack.store.claimDue('spec', 100, 60_000, new Date())).filter((c) => c.id === delivery.id);
    expect(claim).toMatchObject({ url: 'https://8.8.8.8:8443/hooks' });
  });
});

describe('redeliverWebhook of an endpoint whose URL the policy refuses', () => {
  it('answers CONFLICT URL_REFUSED, changing nothing, until the url is updated', async () => {
    const { endpoint, delivery } = await endpointOnOldUrl('redeliver');
    const refused = await gql()(REDELIVER, { id: delivery.id });
    expect(refused.errors?.[0]).toMatchObject({
      message:
        `delivery: ${JSON.stringify(delivery.id)} was not redelivered: this gateway's URL policy refuses its ` +
        `endpoint's URL, so nothing would be sent (${REFUSAL}). Give the endpoint a URL the policy allows with ` +
        'updateWebhookEndpoint(input: { id, url }) first, then redeliver.',
      extensions: { code: 'CONFLICT', field: 'delivery', reason: 'URL_REFUSED' },
    });
    const [unchanged] = (await stack.store.listDeliveries(OWNER, endpoint.id, 1, null)).deliveries;
    expect(unchanged!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);

    expect(
      (await gql()(UPDATE, { input: { id: endpoint.id, url: 'http://127.0.0.1:9/fixed' } })).errors,
    ).toBeUndefined();
    const again = await gql()(REDELIVER, { id: delivery.id });
    expect(again.errors).toBeUndefined();
    expect(again.data?.redeliverWebhook).toMatchObject({ id: delivery.id, state: 'PENDING' });
  });
});
