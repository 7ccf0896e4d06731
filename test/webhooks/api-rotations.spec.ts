/**
 * Two rotations of an endpoint's signing secret within the grace (WEBHOOK_SECRET_GRACE_MS, a day by
 * default), as its owner makes them through the API: a receiver still holding the first secret, or
 * the second, verifies the next delivery (standardwebhooks), since every secret within its grace
 * signs it.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/event-receiver.js';
import { eventually } from '../harness/stack.js';
import { seenStatus } from './api-fixtures.js';
import { NSCALE_DEMO, startWebhookStack, type WebhookStack } from './api-stack.js';

let stack: WebhookStack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 204);
  stack = await startWebhookStack({
    webhookDelivery: true,
    env: { WEBHOOK_SCAN_MS: '50', WEBHOOK_ENDPOINT_RESCAN_MS: '100' },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('rotateWebhookSecret twice within the grace', () => {
  it('the next delivery verifies with the first secret, the second and the third', async () => {
    const gql = stack.as(NSCALE_DEMO);
    const created = await gql(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: [JOB_CREATED] }) {
        endpoint { id events } signingSecret } }`,
      { url: `${receiver.url}/rotated` },
    );
    const { endpoint, signingSecret: first } = created.data!.createWebhookEndpoint;
    const rotate = async () => {
      const rotated = await gql('mutation($id: ID!) { rotateWebhookSecret(id: $id) { signingSecret } }', {
        id: endpoint.id,
      });
      expect(rotated.errors).toBeUndefined();
      return rotated.data!.rotateWebhookSecret.signingSecret as string;
    };
    const second = await rotate();
    const third = await rotate();

    await stack.store.recordJob(endpoint, seenStatus('rotated-job', 'queued'), new Date());
    const delivery = await eventually(() => receiver.received.find((r) => r.path === '/hooks/rotated'), 20_000);
    const headers = {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(3);
    for (const secret of [first, second, third] as string[])
      expect(new Webhook(secret).verify(delivery.body, headers)).toEqual({ type: 'JOB_CREATED', jobId: 'rotated-job' });
  }, 60_000);
});
