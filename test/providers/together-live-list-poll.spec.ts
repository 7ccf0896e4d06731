/**
 * `jobsUpdated` on Together, whose `GET /fine-tunes` is unpaged: one list poll downloads the list
 * once, however many pages of `listPageSize` it holds (it was paged by slicing, the whole list
 * downloaded again for each page: 3 downloads per poll for 12 jobs in pages of 5), and each poll
 * reads it anew (a job created or changed between polls shows at the next). A running job past the
 * window is followed from that same download, with no call of its own, and a named id that is not
 * Together's is dropped without failing the poll. Counted from the Together
 * simulator, with the hub on a manual clock so that each poll is one `advance`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLiveUpdates, type LiveUpdates } from '../../src/live/hub.js';
import { togetherLiveClient, togetherLiveCredentials } from '../../src/providers/together-live-client.js';
import type { Job } from '../../src/upstream/schemas.js';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import { FAST, read, until, type Reader } from '../harness/hub-stack.js';
import {
  ALICE,
  MODEL,
  instructionJsonl,
  startTogetherWorld,
  streamOf,
  type TogetherWorld,
} from '../upstream/together/together-world.js';

const CREDS = togetherLiveCredentials(ALICE.token);

let w: TogetherWorld;
let clock: ManualClock;
let hub: LiveUpdates | undefined;
let trainingFileId: string;
beforeEach(async () => {
  w = await startTogetherWorld();
  clock = manualClock(100);
  trainingFileId = (await w.client.uploadFile(ALICE, { filename: 'train.jsonl', body: streamOf(instructionJsonl(40)) }))
    .id;
});
afterEach(async () => {
  await hub?.close();
  await w.close();
});

const createJobs = async (n: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await w.client.createJob(ALICE, { model: MODEL, trainingFileId })).id);
  return ids;
};
const publicId = (id: string) => `together:${id}`;
const idle = () => until(() => clock.pendingTimers() === 1, 'the list poller to wait for its next poll');
async function poll(): Promise<void> {
  clock.advance(FAST.listMs);
  await idle();
}
const listed = () => w.sim.stats()['GET /fine-tunes'] ?? 0;
const statusOf = (reader: Reader, id: string): Job['status'] | undefined =>
  reader.events.filter((e) => e.job.id === publicId(id)).at(-1)?.job.status;

describe('jobsUpdated on Together', () => {
  it('downloads the list once per poll with 12 jobs in pages of 5, and each poll sees what changed since', async () => {
    hub = createLiveUpdates({ client: togetherLiveClient(w.client), intervals: FAST, clock, listPageSize: 5 });
    const ids = await createJobs(12);
    w.sim.resetStats();
    const reader = read(hub.watchJobs(CREDS));
    await until(() => reader.events.length === 12, 'the 12 jobs');
    await idle();
    expect(listed()).toBe(1); // the access check; the first poll took its list

    w.sim.resetStats();
    await poll();
    await poll();
    await poll();
    expect(w.sim.stats()).toEqual({ 'GET /fine-tunes': 3 });

    const [late] = await createJobs(1);
    w.sim.resetStats();
    await poll();
    expect(statusOf(reader, late!)).toBe('queued');
    w.advance(50); // every job runs
    await poll();
    expect(ids.map((id) => statusOf(reader, id))).toEqual(ids.map(() => 'running'));
    expect(w.sim.stats()).toEqual({ 'GET /fine-tunes': 2 });
    await reader.iterator.return?.();
  });

  it('follows a running job past the window from the same download, with no call by id', async () => {
    hub = createLiveUpdates({
      client: togetherLiveClient(w.client),
      intervals: FAST,
      clock,
      listPageSize: 5,
      listMaxJobs: 5,
    });
    const [old] = await createJobs(1);
    w.advance(50);
    // An id the Together client refuses to read (not `together:…`) is dropped, and fails no poll.
    const reader = read(hub.watchJobs(CREDS, {}, { follow: ['0f7c2a51-3c6e-4a8e-9a43-5b1d2e7f9c10'] }));
    await until(() => statusOf(reader, old!) === 'running', 'the running job');
    await idle();
    await createJobs(6);
    await poll(); // the window is the 6 newest but one: the running job is past it
    w.sim.resetStats();
    w.advance(60); // the old job completes
    await poll();
    expect(statusOf(reader, old!)).toBe('completed');
    expect(w.sim.stats()).toEqual({ 'GET /fine-tunes': 1 });
    await reader.iterator.return?.();
  });
});
