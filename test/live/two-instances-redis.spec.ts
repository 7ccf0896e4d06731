/**
 * Two gateway instances (each its own HTTP server, upstream client and live-updates hub) on one
 * Redis and one upstream simulator, with subscribers over WebSocket and SSE on both. One instance at
 * a time polls the job (the lease); every subscriber gets every event. Then the polling instance
 * dies: its Redis connections drop first, so it cannot release its lease (the test checks that the
 * lease is still its own afterwards), and its hub and server stop. The other instance must find it
 * dead (its heartbeat expires), take over, and deliver the terminal status, which the job reached
 * while nobody was polling.
 *
 * Runs against the real Redis at REDIS_URL (default 127.0.0.1:6379), under a key prefix of its own.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { subscribeSse, type SseEvents } from '../harness/sse.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient, type WsSubscription } from '../harness/ws.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const JOB_SECONDS = 1_000;
const INTERVAL_MS = 100;
const LEASE_MS = 1_000;
const keyPrefix = `test:live-e2e:${randomUUID()}:`;
const onePollerBudget = (ms: number) => Math.floor(ms / INTERVAL_MS) + 2;

const clock = manualClock(JOB_SECONDS);
let simulator: Simulator;
let admin: Redis;
const connections: Redis[] = [];
const stacks = new Map<string, Stack & { redis: { publisher: Redis; subscriber: Redis } }>();
const clients: Client[] = [];

async function instance(name: string) {
  const redis = { publisher: new Redis(REDIS_URL), subscriber: new Redis(REDIS_URL) };
  connections.push(redis.publisher, redis.subscriber);
  const stack = await startStack({
    http: true,
    sharedSimulator: simulator,
    live: {
      redis,
      keyPrefix,
      instanceId: name,
      intervals: { runningMs: INTERVAL_MS, queuedMs: INTERVAL_MS, listMs: INTERVAL_MS, leaseMs: LEASE_MS },
    },
  });
  stacks.set(name, Object.assign(stack, { redis }));
  return stacks.get(name)!;
}

beforeAll(async () => {
  if (!REDIS) return;
  simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS, now: clock.now });
  admin = new Redis(REDIS_URL);
  await instance('a');
  await instance('b');
});
afterAll(async () => {
  if (!REDIS) return;
  await Promise.all(clients.map((c) => c.dispose()));
  for (const stack of stacks.values()) await stack.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await simulator.close();
});

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status completedAt metrics { latest { step trainingLoss } } } }`;
type Subscriber = WsSubscription | SseEvents;

function subscribers(stack: Stack, jobId: string): Subscriber[] {
  const client = wsClient(stack.server!.url, DEMO);
  clients.push(client);
  return [
    subscribeWs(client, WATCH, { id: jobId }),
    subscribeWs(client, WATCH, { id: jobId }),
    subscribeSse(fetch, stack.server!.url, WATCH, { id: jobId }, DEMO),
  ];
}

describe.skipIf(!REDIS)(`two gateway instances on one Redis${REDIS_SKIP_REASON}`, () => {
  it('one instance polls, everyone gets every event; when it dies the other takes over and delivers the terminal event', async () => {
    const a = stacks.get('a')!;
    const seedStack = a; // Any stack's client reaches the shared simulator.
    const { datasetId } = await seedDataset(seedStack, DEMO);
    const job = await seedStack.client.createJob(DEMO, {
      name: 'shared',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    const leaseKey = `${keyPrefix}lease:{job:demo-org:${encodeURIComponent(job.id)}}`;

    const on = { a: subscribers(a, job.id), b: subscribers(stacks.get('b')!, job.id) };
    const all = [...on.a, ...on.b];
    const everyoneHas = (list: Subscriber[], n: number) => (list.every((s) => s.events.length >= n) ? true : undefined);
    await eventually(() => everyoneHas(all, 1), 10_000, 'the current state on both instances');
    const holderValue = await eventually(async () => (await admin.get(leaseKey)) ?? undefined, 5_000, 'the lease');
    const holder = holderValue.startsWith('a:') ? 'a' : 'b';
    const survivor = holder === 'a' ? 'b' : 'a';
    expect(a.live.pollerCount()).toBe(1);
    expect(stacks.get('b')!.live.pollerCount()).toBe(1);

    // Both instances have subscribers; only the lease holder reads the upstream.
    simulator.resetStats();
    const from = performance.now();
    const [polls, elapsed] = await eventually(
      () => {
        const n = simulator.stats()['GET /jobs/{id}'] ?? 0;
        return n >= 15 ? ([n, performance.now() - from] as const) : undefined;
      },
      15_000,
      '15 polls of the job',
    );
    expect(polls).toBeLessThanOrEqual(onePollerBudget(elapsed));
    expect(simulator.stats()['GET /jobs/{id}/metrics'] ?? 0).toBeLessThanOrEqual(onePollerBudget(elapsed));

    clock.at(job, 0.6);
    await eventually(() => everyoneHas(all, 2), 10_000, 'the change on both instances');
    expect(all.every((s) => s.events.length === 2)).toBe(true);

    // The holder dies: cut off from Redis first, so its lease stays behind until it expires.
    const dead = stacks.get(holder)!;
    dead.redis.publisher.disconnect();
    dead.redis.subscriber.disconnect();
    await dead.live.close();
    await dead.server!.close();
    expect(await admin.get(leaseKey)).toBe(holderValue);
    expect(await admin.pttl(leaseKey)).toBeGreaterThan(0);

    // The job finishes while nobody polls; the survivor must notice once the lease has expired.
    clock.at(job, 1.5);
    const alive = on[survivor];
    await Promise.all(alive.map((s) => s.done));
    const taken = await admin.get(leaseKey);
    expect(taken === null || taken.startsWith(`${survivor}:`)).toBe(true);

    const expected = alive[0]!.events;
    expect(expected.map((e) => e.data?.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);
    expect(expected.every((e) => e.errors === undefined)).toBe(true);
    expect(expected.at(-1)!.data.jobUpdated.metrics.latest.step).toBe(10);
    for (const s of alive) expect(s.events).toEqual(expected);
    // The dead instance's subscribers had seen the same events up to its death.
    for (const s of on[holder]) expect(s.events).toEqual(expected.slice(0, 2));

    // The survivor's poller is gone after the terminal event, and its lease with it.
    await eventually(
      () => (stacks.get(survivor)!.live.pollerCount() === 0 ? true : undefined),
      5_000,
      "the survivor's poller to go",
    );
    await eventually(
      async () => ((await admin.exists(leaseKey)) === 0 ? true : undefined),
      5_000,
      'the lease to be released',
    );
  });
});
