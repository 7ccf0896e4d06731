/**
 * `jobsUpdated(status)` over graphql-ws on the real server: the organization's current jobs first,
 * then a job created after subscribing, then its changes; with `status`, only jobs in that status,
 * plus the event of a job leaving it. Jobs move only when the test moves the simulator's clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { useLiveStack } from '../harness/live-stack.js';
import { DEMO, OTHER, eventually } from '../harness/stack.js';
import { subscribeWs, type WsSubscription } from '../harness/ws.js';

const live = useLiveStack({ http: true });
const { clock } = live;
let otherDatasetId: string;
beforeAll(async () => {
  ({ datasetId: otherDatasetId } = await seedDataset(live.stack, OTHER, 'theirs'));
});

const LIST = `subscription($status: JobStatus) { jobsUpdated(status: $status) { id name status } }`;
const createJob = (name: string) => live.newJob(name);
const seen = (sub: WsSubscription) =>
  sub.events.map((e) => `${e.data?.jobsUpdated.name}:${e.data?.jobsUpdated.status}`);
const has = (sub: WsSubscription, entry: string) => (seen(sub).includes(entry) ? true : undefined);

describe('jobsUpdated over WebSocket', () => {
  it('shows the current jobs, a job created after subscribing and its changes; a status filter keeps to its status', async () => {
    const { stack } = live;
    const client = live.ws(DEMO);
    const old = await createJob('old');
    clock.at(old, 0.3); // running

    const all = subscribeWs(client, LIST, {});
    const running = subscribeWs(client, LIST, { status: 'RUNNING' });
    const queued = subscribeWs(client, LIST, { status: 'QUEUED' });
    await eventually(() => has(all, 'old:RUNNING') && has(running, 'old:RUNNING'), 10_000, 'the current jobs');
    expect(stack.live.listPollerCount()).toBe(1); // One list poller for the organization, however filtered.

    // Created after subscribing, at the current clock: queued.
    const fresh = await createJob('fresh');
    await eventually(() => has(all, 'fresh:QUEUED') && has(queued, 'fresh:QUEUED'), 10_000, 'the new job');

    clock.at(fresh, 0.5); // fresh running; old (created earlier) further along, still running
    await eventually(
      () => has(all, 'fresh:RUNNING') && has(running, 'fresh:RUNNING') && has(queued, 'fresh:RUNNING'),
      10_000,
      'the new job running',
    );
    clock.at(old, 1.05); // old completed; fresh (created 30 % of a run later) still running
    await eventually(
      () => has(all, 'old:COMPLETED') && has(running, 'old:COMPLETED'),
      10_000,
      'the old job completing',
    );

    // Another organization's job never shows; a job of ours created after it shows that the list was read since.
    await stack.client.createJob(OTHER, {
      name: 'foreign',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: otherDatasetId, answerColumn: 'answer' },
    });
    await createJob('marker');
    await eventually(() => has(all, 'marker:QUEUED') && has(queued, 'marker:QUEUED'), 10_000, 'a later job of ours');

    expect(seen(all)).toEqual(
      expect.arrayContaining(['old:RUNNING', 'fresh:QUEUED', 'fresh:RUNNING', 'old:COMPLETED']),
    );
    expect(seen(all).some((e) => e.startsWith('foreign:'))).toBe(false);
    // Filtered: RUNNING jobs, and a job's move out of RUNNING; nothing queued.
    expect(seen(running)).toEqual(['old:RUNNING', 'fresh:RUNNING', 'old:COMPLETED']);
    // Filtered: the queued job, and its move out of QUEUED; then nothing of it.
    expect(seen(queued)).toEqual(['fresh:QUEUED', 'fresh:RUNNING', 'marker:QUEUED']);
    expect(all.events.concat(running.events, queued.events).every((e) => e.errors === undefined)).toBe(true);

    for (const sub of [all, running, queued]) sub.unsubscribe();
    await eventually(() => (stack.live.listPollerCount() === 0 ? true : undefined), 5_000, 'the list poller to go');
  });
});
