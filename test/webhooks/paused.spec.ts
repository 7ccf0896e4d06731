/**
 * Issue 20: when the upstream refuses an endpoint's stored credentials, the endpoint is PAUSED with
 * the reason shown in the API (and what its owner does about it: update the endpoint, not subscribe
 * again), not retried forever; updating it with credentials the upstream
 * accepts makes it ACTIVE again, and a move made while it was paused is still delivered. The token
 * here is a JWT that expires: the simulator refuses it from then on.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JWT_SECRET = 'paused-spec-secret-with-enough-bytes';
const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);

let stack: Stack;
let receiver: WebhookReceiver;
let e2e: WebhookE2E | undefined;

beforeAll(async () => {
  if (!POSTGRES) return;
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now, jwtSecret: JWT_SECRET },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

const jwt = (expiresInSeconds: number) =>
  new SignJWT({ organization_id: DEMO.organizationId })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(JWT_SECRET));

const ENDPOINT = 'query($id: ID!) { webhookEndpoint(id: $id) { state stateReason enabled } }';

describe.skipIf(!POSTGRES)(`stored credentials the upstream refuses${POSTGRES_SKIP_REASON}`, () => {
  it('pause the endpoint with the reason; an update with accepted credentials resumes it, and nothing is lost', async () => {
    const expiring = { token: await jwt(3), organizationId: DEMO.organizationId };
    const created = await stack.gql(
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id state } } }',
      { i: { url: receiver.url, events: ['JOB_COMPLETED'] } },
      expiring,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createWebhookEndpoint.endpoint.id as string;
    expect(created.data!.createWebhookEndpoint.endpoint.state).toBe('ACTIVE');

    const paused = await eventually(
      async () => {
        const res = await stack.gql(ENDPOINT, { id }, DEMO);
        return res.data?.webhookEndpoint?.state === 'PAUSED' ? res.data.webhookEndpoint : undefined;
      },
      20_000,
      'the endpoint paused',
    );
    expect(paused.stateReason).toMatch(
      /^The upstream refused the stored credentials \(UNAUTHENTICATED\): the stored token expired at \d{4}-\d\d-\d\dT[\d:.]+Z\. /,
    );
    expect(paused.stateReason).not.toContain(expiring.token);
    // What its owner does: update the endpoint, which stores their current credentials (the trial
    // found a subscriber's advice here: "subscribe again with a fresh token").
    expect(paused.stateReason).toContain(
      "until its owner updates it (updateWebhookEndpoint) with credentials the upstream accepts: any update stores the caller's current credentials in place of these",
    );
    expect(paused.stateReason).not.toMatch(/subscribe/i);

    // Paused: not watched, so not polled with the refused token any more.
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'while-paused',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 1.5);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(0);

    // The owner updates it with a token the upstream accepts: ACTIVE, and the job's completion arrives.
    const resumed = await stack.gql(
      'mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { state stateReason } }',
      { i: { id } },
      DEMO,
    );
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data!.updateWebhookEndpoint).toEqual({ state: 'ACTIVE', stateReason: null });
    const completed = await eventually(
      () => receiver.events().find((e) => e.type === 'JOB_COMPLETED' && e.data.job.id === job.id),
      20_000,
      'the completion made while paused',
    );
    expect(completed.data.job.status).toBe('COMPLETED');
  }, 60_000);
});
