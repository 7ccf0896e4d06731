/**
 * One refresh at a time per cached answer (src/server/response-cache/shared-misses.ts), over HTTP:
 * when a caller's answer has run out, the requests of that caller asking the same while its refresh is
 * on its way (the upstream held 500 ms here) wait for it and get what it stored, instead of each asking
 * the upstream. Counted from the simulator, request by request (by request id). Never across callers,
 * never after a mutation for a refresh begun before it, never for a mutation; a refresh that stores
 * nothing leaves each waiting request to run its own.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseTtlPolicy } from '../../src/schema/response-cache-policy.js';
import { ACME_1, ACME_2, ask, CACHE_TENANTS, LONG_TTLS, type Answer } from '../harness/response-cache.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

/** A page of jobs lives this long; everything else ten minutes. */
const LIST_TTL_MS = 400;
const POLICY: ResponseTtlPolicy = {
  coordinates: { ...LONG_TTLS.coordinates, JobConnection: LIST_TTL_MS },
  jobs: LONG_TTLS.jobs,
};
const LIST = 'query Jobs { jobs(first: 5) { totalCount edges { node { id } } } }';
const PAGE = 'GET /jobs';
const HELD_MS = 500;

const lines: Array<Record<string, unknown>> = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    http: true,
    logger,
    simulator: { tenants: CACHE_TENANTS },
    responseCache: { policy: POLICY },
  });
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.setFaults({}));

const list = (creds: Credentials): Promise<Answer> => ask(stack, LIST, {}, creds, { over: 'http' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pageCalls = (answers: readonly Answer[]) => answers.reduce((n, a) => n + (a.calls[PAGE] ?? 0), 0);

/** `creds`' list answered, then served from the cache, then run out: the next ask is a refresh. */
async function servedThenExpired(...callers: Credentials[]): Promise<void> {
  for (const creds of callers) {
    expect((await list(creds)).status).toBe(200);
    expect((await list(creds)).calls).toEqual({}); // a hit
  }
  await sleep(LIST_TTL_MS + 150);
}

describe('one refresh at a time per cached answer', () => {
  it("the caller's requests during its refresh wait for it: one upstream call for five, each answered", async () => {
    await servedThenExpired(ACME_1);
    stack.simulator.setFaults({ route: PAGE, latencyMs: HELD_MS });
    const from = lines.length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => list(ACME_1)));
    expect(pageCalls(answers)).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0]!.body);
    }
    const joined = lines.slice(from).filter((l) => l['msg'] === 'request' && l['joined'] === true);
    expect(joined).toHaveLength(4);
    expect(joined.every((l) => l['cache'] === 'hit')).toBe(true);
  });

  it("never another caller's: two tokens of one organization refresh each its own", async () => {
    await servedThenExpired(ACME_1, ACME_2);
    stack.simulator.setFaults({ route: PAGE, latencyMs: HELD_MS });
    const [first, second] = await Promise.all([
      Promise.all([list(ACME_1), list(ACME_1), list(ACME_1)]),
      Promise.all([list(ACME_2), list(ACME_2), list(ACME_2)]),
    ]);
    expect(pageCalls(first!)).toBe(1);
    expect(pageCalls(second!)).toBe(1);
  });

  it('after a mutation, a request does not wait for a refresh begun before it', async () => {
    await servedThenExpired(ACME_1);
    stack.simulator.setFaults({ route: PAGE, latencyMs: HELD_MS });
    stack.simulator.resetStats();
    const before = list(ACME_1);
    await eventually(() => stack.simulator.stats()[PAGE] || undefined, HELD_MS, 'the refresh to reach the upstream');
    // Refused by the upstream (no such job), but a mutation all the same: the account's answers are evicted.
    const cancel = await ask(stack, 'mutation { cancelJob(id: "job-00000000000000000000ffff") { id } }', {}, ACME_1, {
      over: 'http',
    });
    expect(cancel.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const after = await list(ACME_1);
    expect([(await before).calls[PAGE], after.calls[PAGE]]).toEqual([1, 1]);
  });

  it('a refresh that stores nothing (an upstream error) leaves each waiting request to run its own', async () => {
    await servedThenExpired(ACME_1);
    stack.simulator.setFaults({
      route: PAGE,
      latencyMs: HELD_MS,
      // Two: a 500 is tried again once, so the refresh's attempt and its retry both fail.
      rules: [{ route: PAGE, error: { status: 500, count: 2 } }],
    });
    const answers = await Promise.all([list(ACME_1), list(ACME_1), list(ACME_1)]);
    expect(pageCalls(answers)).toBe(4);
    const codes = answers.map((a) => a.body.errors?.[0]?.extensions?.['code'] ?? 'data').sort();
    expect(codes).toEqual(['UPSTREAM_ERROR', 'data', 'data']);
  });

  it('identical mutations of one caller are never held for each other: each reaches the upstream at once', async () => {
    const CANCEL = 'POST /jobs/{id}/cancel';
    const mutation = 'mutation { cancelJob(id: "job-00000000000000000000fffe") { id } }';
    for (let i = 0; i < 2; i++) await ask(stack, mutation, {}, ACME_1, { over: 'http' }); // asked before, like a refresh
    stack.simulator.setFaults({ route: CANCEL, latencyMs: HELD_MS });
    stack.simulator.resetStats();
    const pending = Promise.all([1, 2, 3].map(() => ask(stack, mutation, {}, ACME_1, { over: 'http' })));
    // All three are at the upstream while the first is still held there.
    await eventually(() => (stack.simulator.stats()[CANCEL] === 3 ? true : undefined), HELD_MS / 2, 'three cancels');
    expect((await pending).map((a) => a.calls[CANCEL])).toEqual([1, 1, 1]);
  });
});
