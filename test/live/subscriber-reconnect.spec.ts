/**
 * The subscriber connection of an instance whose clients watch a job another instance polls is cut
 * by Redis (CLIENT KILL), twice, each time with a change of the job published while it is away. The
 * gateway's subscriber connection does not resubscribe by itself (gateway-redis.ts: ioredis's own
 * resubscription can fail with nobody to handle it); live updates subscribe their channels again on
 * reconnection and then read the last state, so the client misses no change and gets the terminal
 * event. Fails if the channels are not subscribed again: the client waits for ever.
 *
 * Runs against the real Redis at REDIS_URL, under a key prefix of its own.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/server/connect-redis.js';
import { openGatewayRedis, type GatewayRedis } from '../../src/server/gateway-redis.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const JOB_SECONDS = 1_000;
const INTERVAL_MS = 100;
const keyPrefix = `test:resubscribe:${randomUUID()}:`;

const clock = manualClock(JOB_SECONDS);
let simulator: Simulator;
let admin: Redis;
const opened: GatewayRedis[] = [];
const stacks = new Map<string, Stack & { connectionName: string }>();
const run = randomUUID().slice(0, 8);

/**
 * The id Redis gives, now, the subscriber connection of those named `name` (the one in subscriber
 * mode: flag P); a reconnection gets a new id. Undefined until it has subscribed.
 */
async function subscriberIdOf(name: string): Promise<string | undefined> {
  const line = ((await admin.client('LIST')) as string)
    .split('\n')
    .find((l) => l.includes(` name=${name} `) && /\bflags=\S*P/.test(l));
  return line ? /\bid=(\d+)/.exec(line)![1] : undefined;
}
const clients: Client[] = [];

async function instance(name: string) {
  // The gateway's own connections, named so that the test can find them in CLIENT LIST.
  const connectionName = `rs-${run}-${name}`;
  const redis = openGatewayRedis(REDIS_URL, {
    logger: pino({ level: 'silent' }),
    rateLimit: false,
    connect: (url, options) => connectRedis(url, { ...options, connectionName }),
  });
  opened.push(redis);
  await eventually(async () => (redis.problem() === null ? true : undefined), 10_000, `${name} connected`);
  const stack = await startStack({
    http: true,
    sharedSimulator: simulator,
    live: {
      redis: { publisher: redis.publisher, subscriber: redis.subscriber },
      keyPrefix,
      instanceId: name,
      intervals: { runningMs: INTERVAL_MS, queuedMs: INTERVAL_MS, listMs: INTERVAL_MS, leaseMs: 1_000 },
    },
  });
  stacks.set(name, Object.assign(stack, { connectionName }));
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
  await Promise.all(opened.map((redis) => redis.close()));
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await simulator.close();
});

// `progress` too: an event whose answer is the one sent before it is not sent (use-changed-events-only.ts).
const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status progress } }`;

describe.skipIf(!REDIS)(`an instance's subscriber connection cut by Redis${REDIS_SKIP_REASON}`, () => {
  it('subscribes again, reads what it missed, and its client gets every change and the end', async () => {
    const a = stacks.get('a')!;
    const { datasetId } = await seedDataset(a, DEMO);
    const job = await a.client.createJob(DEMO, {
      name: 'resubscribed',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    const leaseKey = `${keyPrefix}lease:{job:demo-org:${encodeURIComponent(job.id)}}`;

    // A client on each instance, so that both hold a poller; one holds the lease and polls.
    const watch = (stack: Stack) => {
      const client = wsClient(stack.server!.url, DEMO);
      clients.push(client);
      return subscribeWs(client, WATCH, { id: job.id });
    };
    const onA = watch(a);
    const onB = watch(stacks.get('b')!);
    await eventually(() => (onA.events.length >= 1 && onB.events.length >= 1 ? true : undefined), 10_000, 'both');
    const holder = (await eventually(async () => (await admin.get(leaseKey)) ?? undefined, 5_000, 'the lease')).split(
      ':',
    )[0]!;
    const listener = stacks.get(holder === 'a' ? 'b' : 'a')!;
    const listening = holder === 'a' ? onB : onA;

    for (const [progress, status] of [
      [0.6, 'RUNNING'],
      [1.5, 'COMPLETED'],
    ] as const) {
      const before = listening.events.length;
      // The connection as it is now (after the first cut, the one ioredis made again and subscribed).
      const id = await eventually(() => subscriberIdOf(listener.connectionName), 5_000, 'the listener subscribed');
      expect(Number(await admin.client('KILL', 'ID', id))).toBe(1);
      clock.at(job, progress);
      await eventually(
        () => (listening.events.length > before ? true : undefined),
        10_000,
        `the change to ${progress} after the cut`,
      );
      expect(listening.events.at(-1)!.data?.jobUpdated.status).toBe(status);
    }
    await listening.done;
    expect(listening.events.map((e) => e.data?.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);
  }, 60_000);
});
