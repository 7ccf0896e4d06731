/**
 * The fleet benchmark's judgement of what a client saw: an answer with another organization's job, or
 * made for another token of the same organization, or with a status the job never has, is a failure;
 * and the staleness figures (change → first read, reads past the limit, reads before the change)
 * come out of a schedule and reads built by hand.
 */
import { describe, expect, it } from 'vitest';
import { checkDetail, checkList, expectationOf } from '../../bench/fleet-check.js';
import type { FleetClient, Reads } from '../../bench/fleet-clients.js';
import { measureStaleness } from '../../bench/fleet-staleness.js';
import type { FleetJob, Tenant } from '../../bench/fleet-upstream.js';

const jobs: FleetJob[] = [
  { id: 'job-a', organizationId: 'org-0', name: 'a', states: ['RUNNING', 'COMPLETED'], changeTicks: [2] },
  { id: 'job-b', organizationId: 'org-0', name: 'b', states: ['QUEUED', 'STARTING', 'RUNNING'], changeTicks: [1, 3] },
  { id: 'job-c', organizationId: 'org-1', name: 'c', states: ['RUNNING'], changeTicks: [] },
];
const x = expectationOf(jobs);
const t0: Tenant = { label: 't0', token: 'token-0', organizationId: 'org-0' };
const t2: Tenant = { label: 't2', token: 'token-2', organizationId: 'org-0' };

const node = (id: string, name: string, status: string) => ({
  id,
  name,
  status,
  baseModel: { name: 'Meta-Llama-3-8B-Instruct' },
  createdAt: '2026-02-02T12:00:00.000Z',
});
const list = (...nodes: object[]) =>
  JSON.stringify({ data: { jobs: { totalCount: nodes.length, edges: nodes.map((n) => ({ node: n })) } } });

describe('checking an answer for its client', () => {
  it("reads the statuses of the organization's jobs, labelled for the client's token", () => {
    const checked = checkList(list(node('job-a', 'a @t0', 'COMPLETED'), node('job-b', 'b @t0', 'QUEUED')), t0, x);
    expect(checked).toEqual({
      reads: [
        { job: 0, state: 1 },
        { job: 1, state: 0 },
      ],
    });
  });

  it('fails an answer made for another token of the same organization', () => {
    const checked = checkList(list(node('job-a', 'a @t2', 'RUNNING'), node('job-b', 'b @t2', 'QUEUED')), t0, x);
    expect(checked).toEqual({ problem: 't0 was shown "a @t2" for a: an answer made for another token' });
  });

  it("fails another organization's job, a missing job and a status the job never has", () => {
    expect(checkList(list(node('job-a', 'a @t0', 'RUNNING'), node('job-c', 'c @t0', 'RUNNING')), t0, x)).toEqual({
      problem: "t0 of org-0 was shown org-1's job job-c",
    });
    expect(checkList(list(node('job-a', 'a @t0', 'RUNNING')), t0, x)).toMatchObject({
      problem: expect.stringContaining('not a page of the 2 jobs of org-0'),
    });
    expect(checkList(list(node('job-a', 'a @t0', 'FAILED'), node('job-b', 'b @t0', 'QUEUED')), t0, x)).toEqual({
      problem: 'a shown "FAILED", a status it never has (RUNNING, COMPLETED)',
    });
  });

  it('fails a detail of another job than the one asked, or without metrics', () => {
    const detail = (n: object, metrics: unknown) => JSON.stringify({ data: { job: { ...n, metrics } } });
    const metrics = { trainingSteps: 100, points: [] };
    expect(checkDetail(detail(node('job-b', 'b @t2', 'RUNNING'), metrics), t2, 1, x)).toEqual({
      reads: [{ job: 1, state: 2 }],
    });
    expect(checkDetail(detail(node('job-a', 'a @t2', 'RUNNING'), metrics), t2, 1, x)).toEqual({
      problem: 'asked for job-b, answered job-a',
    });
    expect(checkDetail(detail(node('job-b', 'b @t2', 'RUNNING'), null), t2, 1, x)).toMatchObject({
      problem: expect.stringContaining('without its metrics'),
    });
    expect(checkDetail(JSON.stringify({ errors: [{ message: 'boom' }], data: null }), t2, 1, x)).toMatchObject({
      problem: expect.stringContaining('errors: '),
    });
  });
});

describe('staleness', () => {
  const clients: FleetClient[] = [
    { index: 0, tenant: t0, watched: 0 },
    { index: 1, tenant: t2, watched: 1 },
  ];
  // Ticks applied at 1000, 1100, 1200, 1300 (wall ms): job a completes at 1200; b starts at 1100, runs at 1300.
  const appliedAt = [1000, 1100, 1200, 1300];
  const reads = (
    rows: Array<[client: number, job: number, state: number, sentAt: number, receivedAt: number]>,
  ): Reads => ({
    client: rows.map((r) => r[0]),
    job: rows.map((r) => r[1]),
    state: rows.map((r) => r[2]),
    sentAt: rows.map((r) => r[3]),
    receivedAt: rows.map((r) => r[4]),
  });
  const input = { jobs, appliedAt, clients, windowFrom: 1050, windowTo: 1400, limitMs: 150 };

  it('times each change to the first read of every client of its organization', () => {
    const s = measureStaleness({
      ...input,
      reads: reads([
        [0, 0, 0, 1190, 1195], // a RUNNING, before it completed
        [0, 0, 1, 1240, 1250], // client 0 reads a COMPLETED 50 ms after
        [1, 0, 0, 1380, 1390], // client 1 still reads a RUNNING 180 ms after it completed: past the limit
        [1, 0, 1, 1500, 1520], // and COMPLETED 320 ms after
        [0, 1, 2, 1310, 1330], // client 0 skips STARTING: RUNNING counts for both changes of b
      ]),
    });
    // a: 1 change, b: 2 changes (1100, 1300), each for the 2 clients of org-0.
    expect(s).toMatchObject({ changes: 3, pairs: 6, neverRead: 2, staleReads: 1, oldestReadMs: 180, futureReads: 0 });
    expect([...s.delays].sort((p, q) => p - q)).toEqual([30, 50, 230, 320]);
  });

  it('fails a status shown before the upstream had it', () => {
    const s = measureStaleness({ ...input, reads: reads([[0, 0, 1, 1150, 1160]]) });
    expect(s.futureReads).toBe(1);
    expect(s.firstFuture).toBe('client 0 read a as COMPLETED 40 ms before the upstream had it');
  });
});
