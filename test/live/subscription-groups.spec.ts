/**
 * Identical `jobUpdated` subscriptions over WebSocket share one execution per event
 * (src/server/subscription-groups.ts). Sharing must be invisible to a subscriber: a late joiner
 * starts from the current state, a member leaving does not end the others, the last one leaving
 * stops polling, and nothing crosses from one caller's group to another's.
 */
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { useLiveStack } from '../harness/live-stack.js';
import { DEMO, OTHER, eventually } from '../harness/stack.js';
import { subscribeWs, type WsSubscription } from '../harness/ws.js';

const live = useLiveStack({ http: true });
const { clock } = live;

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { latest { step } } } }`;
const client = (creds = DEMO) => live.ws(creds);
const steps = (sub: WsSubscription) => sub.events.map((e) => e.data?.jobUpdated?.metrics?.latest?.step ?? null);
const newJob = () =>
  live.stack.client.createJob(DEMO, {
    name: 'grouped',
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: live.datasetId, answerColumn: 'answer' },
  });

describe('subscription groups', () => {
  it('a late joiner starts from the current state, and a member leaving does not end the others', async () => {
    const job = await newJob();
    clock.at(job, 0.3);
    const first = subscribeWs(client(), WATCH, { id: job.id });
    await eventually(() => (first.events.length === 1 ? true : undefined));
    clock.at(job, 0.6);
    await eventually(() => (first.events.length === 2 ? true : undefined));

    const late = subscribeWs(client(), WATCH, { id: job.id });
    await eventually(() => (late.events.length === 1 ? true : undefined));
    expect(late.events[0]).toEqual(first.events[1]);

    first.unsubscribe();
    clock.at(job, 0.8);
    await eventually(() => (late.events.length === 2 ? true : undefined));
    expect(steps(late)[1]).toBeGreaterThan(steps(late)[0]!);
    expect(first.events).toHaveLength(2);

    clock.at(job, 1.1);
    await late.done;
    expect(late.events.at(-1)?.data?.jobUpdated.status).toBe('COMPLETED');
    await eventually(() => (live.stack.live.pollerCount() === 0 ? true : undefined), 5_000, 'the poller to stop');
  });

  it('fifty identical subscriptions cost one access check, not fifty', async () => {
    const job = await newJob();
    clock.at(job, 0.5);
    const c = client();
    const head = subscribeWs(c, WATCH, { id: job.id });
    await eventually(() => (head.events.length === 1 ? true : undefined));
    live.stack.simulator.resetStats();
    const rest = Array.from({ length: 49 }, () => subscribeWs(c, WATCH, { id: job.id }));
    await eventually(() => (rest.every((s) => s.events.length === 1) ? true : undefined));
    // Polls go on at the hub's interval; what must not happen is one `GET /jobs/{id}` per joiner.
    expect(live.stack.simulator.stats()['GET /jobs/{id}'] ?? 0).toBeLessThan(10);
    for (const s of [head, ...rest]) s.unsubscribe();
    await eventually(() => (live.stack.live.pollerCount() === 0 ? true : undefined), 5_000, 'the poller to stop');
  });

  it("another tenant asking for the same job with the same document gets NOT_FOUND, not the group's events", async () => {
    const job = await newJob();
    clock.at(job, 0.5);
    const owner = subscribeWs(client(DEMO), WATCH, { id: job.id });
    await eventually(() => (owner.events.length === 1 ? true : undefined));
    const intruder = subscribeWs(client(OTHER), WATCH, { id: job.id });
    await intruder.done;
    expect(intruder.events).toEqual([
      { data: null, errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND', field: 'id' } })] },
    ]);
    owner.unsubscribe();
  });

  it('the same document with other variables is another group', async () => {
    const [a, b] = [await newJob(), await newJob()];
    clock.at(a, 0.5);
    const c = client();
    const onA = subscribeWs(c, WATCH, { id: a.id });
    const onB = subscribeWs(c, WATCH, { id: b.id });
    await eventually(() => (onA.events.length === 1 && onB.events.length === 1 ? true : undefined));
    expect(onA.events[0]?.data?.jobUpdated.id).toBe(a.id);
    expect(onB.events[0]?.data?.jobUpdated.id).toBe(b.id);
    onA.unsubscribe();
    onB.unsubscribe();
  });
});
