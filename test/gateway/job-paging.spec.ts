/**
 * Regression: cursors were offsets into a newest-first list, so a job created between two page
 * requests pushed the last job of page 1 onto page 2. Cursors now carry the job's creation time and
 * id, and each page finds its place again in a bounded number of upstream calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJobCursor, encodeJobCursor } from '../../src/resolvers/job-cursor.js';
import { MAX_LIST_CALLS, jobPageAfter } from '../../src/resolvers/job-page.js';
import { sortedSchema } from '../../src/schema/index.js';
import type { Job } from '../../src/upstream/schemas.js';
import type { Credentials } from '../../src/upstream/types.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import { DEMO, startStack, type GraphQLResponse, type Stack, type StackOptions } from '../harness/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const PAGE = `query($first: Int!, $after: String, $status: JobStatus) {
  jobs(first: $first, after: $after, status: $status) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }
}`;

/** The simulator of each test runs on a clock of its own, which moves only when createJobs moves it. */
let clock: ManualClock;

function start(simulator: StackOptions['simulator'] = {}): Promise<Stack> {
  clock = manualClock(simulator.jobSeconds ?? 2);
  return startStack({ simulator: { ...simulator, now: clock.now } });
}

async function createJobs(s: Stack, datasetId: string, n: number, creds: Credentials = DEMO): Promise<string[]> {
  const ids: string[] = [];
  // One at a time: creation order is the list's order (newest first). Each in a millisecond of its
  // own on the simulator's clock: these tests expect exact pages, and jobs created in one millisecond
  // cannot be placed by a cursor whose job has gone (that case has its own test below).
  for (let i = 0; i < n; i++) {
    const job = await s.client.createJob(creds, {
      name: `job-${i}`,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    ids.push(job.id);
    clock.advance(1);
  }
  return ids;
}

async function page(s: Stack, first: number, after: string | null, status?: string): Promise<GraphQLResponse> {
  return s.gql(PAGE, { first, after, ...(status ? { status } : {}) });
}

const idsOf = (res: GraphQLResponse): string[] => res.data?.jobs.edges.map((e: { node: { id: string } }) => e.node.id);

describe('paging jobs', () => {
  it('sees each job that existed when it started exactly once, however many are created between pages', async () => {
    const s = (stack = await start());
    const { datasetId } = await seedDataset(s, DEMO);
    const existing = (await createJobs(s, datasetId, 7)).reverse();

    const seen: string[] = [];
    let after: string | null = null;
    const callsPerPage: number[] = [];
    for (const createBefore of [0, 2, 150, 1]) {
      await createJobs(s, datasetId, createBefore);
      s.simulator.resetStats();
      const res = await page(s, 3, after);
      expect(res.errors).toBeUndefined();
      callsPerPage.push(s.calls()['GET /jobs'] ?? 0);
      seen.push(...idsOf(res));
      after = res.data?.jobs.pageInfo.hasNextPage ? res.data.jobs.pageInfo.endCursor : null;
      if (after === null) break;
    }
    expect(seen).toEqual(existing);
    for (const calls of callsPerPage) expect(calls).toBeLessThanOrEqual(MAX_LIST_CALLS);
    // Nothing created meanwhile: one call, as with offsets.
    expect(callsPerPage[0]).toBe(1);
  });

  it('a cursor read with another status filter is BAD_USER_INPUT naming after', async () => {
    const s = (stack = await start());
    const { datasetId } = await seedDataset(s, DEMO);
    await createJobs(s, datasetId, 3);
    const first = await page(s, 1, null);
    const res = await page(s, 1, first.data?.jobs.pageInfo.endCursor, 'QUEUED');
    expect(res.errors?.[0]).toMatchObject({
      message:
        'after: this cursor was read from jobs without a status filter, not from jobs(status: QUEUED); page with the same status, or start again from the first page',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });

  it('garbage cursors are BAD_USER_INPUT naming after, and cost no upstream call', async () => {
    const s = (stack = await start());
    s.simulator.resetStats();
    const wellFormedButWrong = Buffer.from(JSON.stringify([1, 'nope', 0, 'job-1', 0, 0])).toString('base64url');
    for (const bad of ['garbage', '', 'T2Zmc2V0Q29ubmVjdGlvbjotNQ==', wellFormedButWrong, 'x'.repeat(5_000)]) {
      const res = await page(s, 2, bad);
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(res.errors?.[0]?.message.length).toBeLessThan(200);
    }
    expect(s.calls()).toEqual({});
  });

  it('a cursor whose job has left the list (cancelled while paging QUEUED) continues with the jobs created before it', async () => {
    const s = (stack = await start({ jobSeconds: 3_600 }));
    const { datasetId } = await seedDataset(s, DEMO);
    const newestFirst = (await createJobs(s, datasetId, 6)).reverse();
    const one = await page(s, 2, null, 'QUEUED');
    expect(idsOf(one)).toEqual(newestFirst.slice(0, 2));
    await s.client.cancelJob(DEMO, newestFirst[1] as string);
    const two = await page(s, 2, one.data?.jobs.pageInfo.endCursor, 'QUEUED');
    expect(two.errors).toBeUndefined();
    expect(idsOf(two)).toEqual(newestFirst.slice(2, 4));
    expect(two.data?.jobs.totalCount).toBe(5);
  });

  it('a cursor whose place lies beyond the bound is BAD_USER_INPUT naming after, after at most the bound of calls', async () => {
    const s = (stack = await start());
    const { datasetId } = await seedDataset(s, DEMO);
    await createJobs(s, datasetId, 250);
    const all = await page(s, 100, null);
    // A real cursor of the 100th job, its remembered position made stale: its place is 99 now, the
    // cursor says 0, and the list has not grown (no prediction to make): windows must walk to it.
    const real = decodeJobCursor(all.data?.jobs.pageInfo.endCursor);
    const nearby = await page(s, 2, encodeJobCursor({ ...real, position: 0 }));
    expect(nearby.errors).toBeUndefined();
    // The oldest job (position 249) is out of reach from position 0 within the bound.
    const last = await s.client.listJobs(DEMO, { offset: 249, limit: 1 });
    const oldest = last.jobs[0];
    if (!oldest) throw new Error('no oldest job');
    s.simulator.resetStats();
    const res = await page(
      s,
      2,
      encodeJobCursor({
        provider: 'nscale',
        status: null,
        createdAt: oldest.createdAt.getTime(),
        id: oldest.id,
        position: 0,
        total: 250,
      }),
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(res.errors?.[0]?.message).toMatch(/start again from the first page/);
    expect(s.calls()['GET /jobs']).toBe(MAX_LIST_CALLS - 1);
  });

  it('a cursor whose job has left the list misses none of the jobs created in the same millisecond', async () => {
    // Newest first; "b" (the cursor's job) and "c" were created in the same millisecond, and "b" has
    // since left the list: time alone cannot place "c", which must not be skipped (a job of that
    // millisecond shown before may be shown again: repeating is the lesser harm).
    const at = (ms: number, id: string) => ({ id, createdAt: new Date(ms) }) as Job;
    const now = [at(4, 'a'), at(3, 'c'), at(2, 'd'), at(1, 'e')];
    const calls: Array<[number, number]> = [];
    const list = async (offset: number, limit: number) => {
      calls.push([offset, limit]);
      return { jobs: now.slice(offset, offset + limit), total: now.length };
    };
    const page = await jobPageAfter(
      list,
      { provider: 'nscale', status: 'queued', createdAt: 3, id: 'b', position: 2, total: 5 },
      2,
    );
    expect(page.jobs.map((j) => j.id)).toEqual(['c', 'd']);
    expect(calls.length).toBeLessThanOrEqual(MAX_LIST_CALLS);
  });
});

describe('the jobs field documents the bound the code keeps', () => {
  it('states one number of calls to find a cursor’s place, and one per page, both MAX_LIST_CALLS’s', () => {
    const jobs = sortedSchema().getQueryType()!.getFields()['jobs']!;
    const text = [jobs.description, ...jobs.args.map((a) => a.description)].join(' ');
    // Every figure of calls spent finding the place ("within N upstream calls", "up to N to find").
    const toFind = [...text.matchAll(/(?:within|up to) (\d+) (?:upstream calls|to find)/g)].map((m) => Number(m[1]));
    const findingCosts = [...text.matchAll(/[Ff]inding a cursor's place costs at most (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(toFind.length).toBeGreaterThanOrEqual(2);
    expect(new Set([...toFind, ...findingCosts])).toEqual(new Set([MAX_LIST_CALLS - 1]));
    expect(text).toContain(`costs at most ${MAX_LIST_CALLS} upstream calls`);
  });
});
