/**
 * One owner's endpoints that never answer do not stall another owner's deliveries (the gateway as it
 * runs: its delivery worker, with its 16 slots and its caps, on the real store). demo-org registers
 * ten endpoints on a receiver that takes each request and never answers, each with three deliveries
 * due; other-org's delivery, recorded once demo-org's attempts hang, must reach its receiver while
 * they still hang (the attempt timeout is two minutes: nothing of demo-org's ends before the spec
 * does). Counted at the receivers: demo-org's attempts in flight stay within the caps (two per
 * endpoint, four per owner on an instance), and other-org's delivery arrives once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/event-receiver.js';
import { eventually } from '../harness/stack.js';
import { seenStatus } from './api-fixtures.js';
import { NSCALE_DEMO, NSCALE_OTHER, startWebhookStack, type WebhookStack } from './api-stack.js';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id events } } }`;

let stack: WebhookStack;
let hanging: WebhookReceiver;
let prompt: WebhookReceiver;

beforeAll(async () => {
  // Takes every request and never answers (until it is closed).
  hanging = await startWebhookReceiver(() => new Promise<number>(() => {}));
  prompt = await startWebhookReceiver(() => 204);
  stack = await startWebhookStack({
    webhookDelivery: true,
    env: { WEBHOOK_ATTEMPT_TIMEOUT_MS: '120000', WEBHOOK_SCAN_MS: '50', WEBHOOK_ENDPOINT_RESCAN_MS: '100' },
  });
}, 60_000);
afterAll(async () => {
  // The hanging receiver first: its connections close, so the attempts in flight end now.
  await hanging?.close();
  await prompt?.close();
  await stack?.close();
});

async function register(headers: Record<string, string>, url: string) {
  const created = await stack.as(headers)(CREATE, { input: { url, events: ['JOB_CREATED'] } });
  expect(created.errors).toBeUndefined();
  return created.data!.createWebhookEndpoint.endpoint as { id: string; events: ['JOB_CREATED'] };
}

describe('deliveries across owners', () => {
  it("another owner's delivery arrives while one owner's endpoints hang", async () => {
    for (let e = 0; e < 10; e++) {
      const endpoint = await register(NSCALE_DEMO, `${hanging.url}/hang-${e}`);
      for (let d = 0; d < 3; d++)
        await stack.store.recordJob(endpoint, seenStatus(`job-${e}-${d}`, 'queued'), new Date());
    }
    // demo-org's attempts have started and hang.
    await eventually(() => (hanging.received.length >= 4 ? true : undefined), 20_000, "demo-org's attempts");

    const other = await register(NSCALE_OTHER, `${prompt.url}/other`);
    await stack.store.recordJob(other, seenStatus('other-job', 'queued'), new Date());
    const arrived = await eventually(
      () => prompt.received.find((r) => r.path === '/hooks/other'),
      30_000,
      "other-org's delivery",
    );
    expect(JSON.parse(arrived.body)).toEqual({ type: 'JOB_CREATED', jobId: 'other-job' });
    expect(prompt.received).toHaveLength(1);

    // Nothing of demo-org's has ended (two-minute timeout): what the hanging receiver holds is what is
    // in flight, within the caps.
    const perEndpoint = new Map<string, number>();
    for (const r of hanging.received) perEndpoint.set(r.path, (perEndpoint.get(r.path) ?? 0) + 1);
    expect(hanging.received.every((r) => r.answered === null)).toBe(true);
    expect(hanging.received.length).toBe(4);
    expect(Math.max(...perEndpoint.values())).toBeLessThanOrEqual(2);
  }, 90_000);
});
