/**
 * An endpoint's deliveries through the API, over the real store: paged newest first with stable
 * cursors (every delivery once, from any edge's cursor, which stays on its delivery as new ones arrive), each with its attempts as the sender
 * recorded them and the payload it sent, and a redelivery under the same `webhook-id`. Deliveries are
 * recorded as the watcher records them (`recordJob` with the lead's payload bodies), and attempts
 * as the worker records them (`claimDue`, `finishAttempt`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nscaleJob, nscaleShape, seenJob, seenStatus } from './api-fixtures.js';
import { NSCALE_DEMO, startWebhookStack, type WebhookStack } from './api-stack.js';

let stack: WebhookStack;
let endpointId: string;
const gql = () => stack.as(NSCALE_DEMO);

const DELIVERY = `id eventType jobId state attemptCount nextAttemptAt lastResponseCode createdAt payload
  attempts { number startedAt durationMs responseCode error }`;
const PAGE = `query($endpoint: ID!, $first: Int!, $after: String) {
  webhookDeliveries(endpoint: $endpoint, first: $first, after: $after) {
    edges { cursor node { ${DELIVERY} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

beforeAll(async () => {
  stack = await startWebhookStack({ env: { SIMULATOR_JOB_SECONDS: '600' } });
  const created = await gql()(
    `mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/d", events: [JOB_CREATED, JOB_STATUS_CHANGED] }) {
      endpoint { id events } } }`,
  );
  const { endpoint } = created.data!.createWebhookEndpoint;
  endpointId = endpoint.id;
  // 25 deliveries: a JOB_CREATED for each of 25 jobs, oldest first.
  for (let i = 0; i < 25; i++) await stack.store.recordJob(endpoint, seenStatus(`job-${i}`, 'queued'), new Date());
});
afterAll(() => stack?.close());

const page = (first: number, after?: string | null) => gql()(PAGE, { endpoint: endpointId, first, after });

describe('webhookDeliveries', () => {
  it('pages every delivery once, newest first, with hasNextPage false on the last page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response = await page(10, after);
      expect(response.errors).toBeUndefined();
      const connection = response.data!.webhookDeliveries;
      seen.push(...connection.edges.map((e: any) => e.node.jobId as string));
      expect(connection.pageInfo.hasPreviousPage).toBe(pages > 0);
      pages++;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `job-${24 - i}`));
  });

  it("continues right after any edge's cursor, not only the page's end", async () => {
    const first = (await page(10)).data!.webhookDeliveries;
    const third = first.edges[2].cursor as string;
    const next = (await page(4, third)).data!.webhookDeliveries;
    expect(next.edges.map((e: any) => e.node.jobId)).toEqual(['job-21', 'job-20', 'job-19', 'job-18']);
    // …and from an edge of a page that itself began at a cursor.
    const deeper = (await page(3, next.edges[1].cursor)).data!.webhookDeliveries;
    expect(deeper.edges.map((e: any) => e.node.jobId)).toEqual(['job-19', 'job-18', 'job-17']);
    const last = (await page(100, deeper.pageInfo.endCursor)).data!.webhookDeliveries;
    expect(last.edges).toHaveLength(17);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, endCursor: last.edges[16].cursor });
    // After the very last delivery: an empty page.
    const empty = (await page(5, last.pageInfo.endCursor)).data!.webhookDeliveries;
    expect(empty).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });
  });

  it('refuses a page size out of range and a cursor it did not give, naming the argument', async () => {
    for (const first of [0, 101]) {
      const refused = await page(first);
      expect(refused.errors?.[0]).toMatchObject({
        message: `first: ${first} is not an integer from 1 to 100`,
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      });
    }
    const bogus = await page(5, 'not-a-cursor');
    expect(bogus.errors?.[0]).toMatchObject({
      message: 'after: "not-a-cursor" is not a cursor of this connection (use a page\'s endCursor)',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
    // A well-formed wrapper around something the store never gave.
    const forged = Buffer.from(JSON.stringify([1, 'garbage', 0])).toString('base64url');
    const refused = await page(5, forged);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('is the same list under WebhookEndpoint.deliveries', async () => {
    const nested = await gql()(
      `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 7) { edges { cursor node { id } } pageInfo { endCursor hasNextPage } } } }`,
      { id: endpointId },
    );
    const root = await page(7);
    expect(nested.data?.webhookEndpoint.deliveries).toEqual({
      edges: root.data!.webhookDeliveries.edges.map((e: any) => ({ cursor: e.cursor, node: { id: e.node.id } })),
      pageInfo: {
        endCursor: root.data!.webhookDeliveries.pageInfo.endCursor,
        hasNextPage: root.data!.webhookDeliveries.pageInfo.hasNextPage,
      },
    });
  });
  it('keeps each cursor on its delivery while new ones arrive at the top (a trial paged back onto read ones)', async () => {
    const first = (await page(10)).data!.webhookDeliveries;
    const whole = (await page(100)).data!.webhookDeliveries;
    expect(whole.pageInfo.hasNextPage).toBe(false);
    const newest = first.edges[0];
    expect(newest.node.jobId).toBe('job-24');
    // Two more deliveries, newer than every one read.
    const endpoint = { id: endpointId, events: ['JOB_CREATED', 'JOB_STATUS_CHANGED'] as const };
    for (const job of ['late-0', 'late-1'])
      await stack.store.recordJob({ ...endpoint, events: [...endpoint.events] }, seenStatus(job, 'queued'), new Date());

    const after = (await page(3, newest.cursor)).data!.webhookDeliveries;
    expect(after.edges.map((e: any) => e.node.jobId)).toEqual(['job-23', 'job-22', 'job-21']);
    // The end of a whole list stays its end: nothing older came.
    const none = (await page(5, whole.pageInfo.endCursor)).data!.webhookDeliveries;
    expect(none.edges).toEqual([]);
    // The new ones are read from the top.
    const top = (await page(3)).data!.webhookDeliveries;
    expect(top.edges.map((e: any) => e.node.jobId)).toEqual(['late-1', 'late-0', 'job-24']);
    // The form the release before wrote and reads (rolling upgrades, rollbacks): after this delivery, none skipped.
    const [version, storeCursor, skip] = JSON.parse(Buffer.from(newest.cursor, 'base64url').toString('utf8'));
    expect([version, typeof storeCursor, skip]).toEqual([1, 'string', 0]);
    // An edge cursor the release before gave a first page counted from the newest: refused, not read where it now points.
    const counted = Buffer.from(JSON.stringify([1, null, 3])).toString('base64url');
    const refused = await page(2, counted);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /^after: this cursor counts deliveries from the newest .* read the first page again/,
      ),
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
    // Its endCursors (after a delivery, a count past it) stay where they were.
    const past = Buffer.from(JSON.stringify([1, storeCursor, 2])).toString('base64url');
    const fromPast = (await page(2, past)).data!.webhookDeliveries;
    expect(fromPast.edges.map((e: any) => e.node.jobId)).toEqual(['job-21', 'job-20']);
  });
});

describe('a delivery, its attempts and a redelivery', () => {
  it('shows the payload sent, each attempt as recorded, and redelivers under the same id', async () => {
    const jobId = await nscaleJob(stack, 'watched');
    const job = await nscaleShape(stack, jobId);
    const endpoint = { id: endpointId, events: ['JOB_CREATED', 'JOB_STATUS_CHANGED'] as const };
    const [recorded] = await stack.store.recordJob(
      { id: endpoint.id, events: [...endpoint.events] },
      seenJob('nscale', job),
      new Date(),
    );
    expect(recorded).toBeDefined();

    // Two attempts, as the worker makes them: a 500, then a 200.
    const claim = async () =>
      (await stack.store.claimDue('spec', 50, 60_000, new Date())).find((c) => c.id === recorded!.id)!;
    const retryAt = new Date(Date.now() + 5_000);
    expect(
      await stack.store.finishAttempt(
        await claim(),
        { kind: 'failed', responseCode: 500, error: 'Internal Server Error', durationMs: 12, retryAt },
        new Date(),
      ),
    ).toBe(true);
    const between = (
      await gql()(`query($id: ID!) { webhookDeliveries(endpoint: $id, first: 1) { edges { node { ${DELIVERY} } } } }`, {
        id: endpointId,
      })
    ).data!.webhookDeliveries.edges[0].node;
    expect(between).toMatchObject({ id: recorded!.id, state: 'PENDING', attemptCount: 1, lastResponseCode: 500 });
    expect(Date.parse(between.nextAttemptAt)).toBe(retryAt.getTime());

    await stack.store.finishAttempt(
      (await stack.store.claimDue('spec', 50, 60_000, new Date(retryAt.getTime() + 1))).find(
        (c) => c.id === recorded!.id,
      )!,
      { kind: 'delivered', responseCode: 200, durationMs: 7 },
      new Date(),
    );
    const done = (await page(1)).data!.webhookDeliveries.edges[0].node;
    expect(done).toMatchObject({
      id: recorded!.id,
      eventType: 'JOB_CREATED',
      jobId,
      state: 'SUCCEEDED',
      attemptCount: 2,
      nextAttemptAt: null,
      lastResponseCode: 200,
    });
    expect(done.attempts).toEqual([
      expect.objectContaining({ number: 1, durationMs: 12, responseCode: 500, error: 'Internal Server Error' }),
      expect.objectContaining({ number: 2, durationMs: 7, responseCode: 200, error: null }),
    ]);
    // The payload: the body stored (and sent), the job as the API shows it.
    expect(done.payload).toBe(recorded!.body);
    expect(JSON.parse(done.payload)).toMatchObject({
      type: 'JOB_CREATED',
      data: { provider: 'NSCALE', job: { id: jobId, name: 'watched' }, previousStatus: null },
    });

    const before = Date.now();
    const again = await gql()(`mutation($id: ID!) { redeliverWebhook(delivery: $id) { ${DELIVERY} } }`, {
      id: recorded!.id,
    });
    expect(again.errors).toBeUndefined();
    expect(again.data?.redeliverWebhook).toMatchObject({ id: recorded!.id, state: 'PENDING', attemptCount: 2 });
    expect(Date.parse(again.data?.redeliverWebhook.nextAttemptAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(again.data?.redeliverWebhook.nextAttemptAt)).toBeLessThanOrEqual(Date.now());
    // Due now: the sender's next claim takes it, under the same id.
    expect((await stack.store.claimDue('spec', 50, 60_000, new Date())).map((c) => c.id)).toContain(recorded!.id);
  });

  it('answers NOT_FOUND naming `delivery` for a delivery that is not of the caller’s endpoints', async () => {
    const refused = await gql()('mutation { redeliverWebhook(delivery: "msg_nothing") { id } }');
    expect(refused.errors?.[0]).toMatchObject({
      message: 'delivery: "msg_nothing" is not a delivery of your webhook endpoints (see webhookDeliveries)',
      extensions: { code: 'NOT_FOUND', field: 'delivery' },
    });
    const unknown = await gql()('{ webhookDeliveries(endpoint: "nothing") { edges { cursor } } }');
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'endpoint: "nothing" is not one of your webhook endpoints (see webhookEndpoints)',
      extensions: { code: 'NOT_FOUND', field: 'endpoint' },
    });
  });
});

describe('redeliverWebhook refuses what would not be sent', () => {
  const REDELIVER = `mutation($id: ID!) { redeliverWebhook(delivery: $id) { ${DELIVERY} } }`;
  const UPDATE = 'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id state } }';

  /** An endpoint of its own and one delivery of it, as the watcher records it. */
  async function deliveryOfNewEndpoint(path: string) {
    const created = await gql()(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: [JOB_CREATED] }) { endpoint { id events } } }`,
      { url: `http://127.0.0.1:9/${path}` },
    );
    const { endpoint } = created.data!.createWebhookEndpoint;
    const [delivery] = await stack.store.recordJob(endpoint, seenStatus(`${path}-job`, 'queued'), new Date());
    return { endpoint: endpoint as { id: string }, delivery: delivery! };
  }
  const leased = async (id: string) =>
    (await stack.store.claimDue('spec', 100, 60_000, new Date())).find((c) => c.id === id)!;
  const shown = async (endpoint: string) =>
    (await gql()(PAGE, { endpoint, first: 1 })).data!.webhookDeliveries.edges[0].node;

  it('answers CONFLICT while an attempt is in flight, changing nothing; redelivers once it has ended', async () => {
    const { endpoint, delivery } = await deliveryOfNewEndpoint('in-flight');
    const claim = await leased(delivery.id);
    const refused = await gql()(REDELIVER, { id: delivery.id });
    expect(refused.errors?.[0]).toMatchObject({
      message:
        `delivery: ${JSON.stringify(delivery.id)} is being sent right now (an attempt is in flight): its outcome ` +
        'shows in webhookDeliveries when the attempt ends; redeliver it then if you still need to.',
      extensions: { code: 'CONFLICT', field: 'delivery', reason: 'ATTEMPT_IN_FLIGHT' },
    });
    // The attempt in flight ends: its outcome stands, and a redelivery is then sent.
    expect(
      await stack.store.finishAttempt(claim, { kind: 'delivered', responseCode: 200, durationMs: 3 }, new Date()),
    ).toBe(true);
    expect(await shown(endpoint.id)).toMatchObject({ state: 'SUCCEEDED', attemptCount: 1 });
    const again = await gql()(REDELIVER, { id: delivery.id });
    expect(again.errors).toBeUndefined();
    expect(again.data?.redeliverWebhook).toMatchObject({ state: 'PENDING', attemptCount: 1 });
    expect(await leased(delivery.id)).toBeDefined();
  });

  it('answers CONFLICT while the endpoint is switched off, and while it is DISABLED', async () => {
    const { endpoint, delivery } = await deliveryOfNewEndpoint('switched-off');
    await stack.store.finishAttempt(
      await leased(delivery.id),
      { kind: 'delivered', responseCode: 200, durationMs: 3 },
      new Date(),
    );
    await gql()(UPDATE, { input: { id: endpoint.id, enabled: false } });
    const off = await gql()(REDELIVER, { id: delivery.id });
    expect(off.errors?.[0]).toMatchObject({
      message:
        `delivery: ${JSON.stringify(delivery.id)} was not redelivered: its endpoint is switched off (enabled: false), ` +
        'so nothing is sent to it. Turn it on with updateWebhookEndpoint(input: { id, enabled: true }), then redeliver.',
      extensions: { code: 'CONFLICT', field: 'delivery', reason: 'ENDPOINT_SWITCHED_OFF' },
    });
    expect(await shown(endpoint.id)).toMatchObject({ state: 'SUCCEEDED', nextAttemptAt: null });

    // On again; a redelivery answered 410 Gone disables the endpoint.
    await gql()(UPDATE, { input: { id: endpoint.id, enabled: true } });
    expect((await gql()(REDELIVER, { id: delivery.id })).errors).toBeUndefined();
    await stack.store.finishAttempt(await leased(delivery.id), { kind: 'gone', durationMs: 3 }, new Date());
    const disabled = await gql()(REDELIVER, { id: delivery.id });
    expect(disabled.errors?.[0]).toMatchObject({
      message: expect.stringContaining('its endpoint is DISABLED (it answered 410 Gone)'),
      extensions: { code: 'CONFLICT', field: 'delivery', reason: 'ENDPOINT_DISABLED' },
    });
    expect(await shown(endpoint.id)).toMatchObject({ state: 'FAILED', nextAttemptAt: null, lastResponseCode: 410 });
  });
});
