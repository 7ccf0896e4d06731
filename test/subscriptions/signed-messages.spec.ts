/**
 * Issue 17, item 7: live-update messages through Redis are signed with a secret the instances share
 * (REDIS_MESSAGE_SECRET). Before, anything that could PUBLISH on the Redis server handed every
 * subscriber a forged job state. Runs against a real Redis at REDIS_URL, with a key prefix of its own.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSnapshots, snapshotCodec } from '../../src/live/snapshot-codec.js';
import type { JobSnapshot } from '../../src/live/snapshot.js';
import { DEMO, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const SECRET = 'a shared secret of the instances';
const keyPrefix = `test:signed:${randomUUID()}:`;
let stack: LiveStack;
let connections: Redis[];

beforeEach(async () => {
  if (!REDIS) return;
  stack = await startLiveStack();
  connections = [];
});
afterEach(async () => {
  if (!REDIS) return;
  await stack.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
});

function instance(
  name: string,
  secrets: { messageSecret: string; acceptedMessageSecret?: string } = { messageSecret: SECRET },
) {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  connections.push(publisher, subscriber);
  return stack.hub({
    redis: { publisher, subscriber },
    keyPrefix,
    instanceId: name,
    ...secrets,
    intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 2_000 },
  });
}

describe('the snapshot codec', () => {
  const snapshot = {
    job: { id: 'j1', status: 'running', createdAt: new Date(0), startedAt: null, completedAt: null },
    metrics: null,
    version: 'v1',
  } as unknown as JobSnapshot;

  it('reads back what it signed, for the same topic only, and refuses unsigned or foreign messages', () => {
    const codec = snapshotCodec(SECRET);
    const signed = codec.encode([snapshot], 'events:{job:a:j1}');
    expect(codec.decode(signed, 'events:{job:a:j1}')).toEqual([snapshot]);
    expect(() => codec.decode(signed, 'events:{job:b:j1}')).toThrow(/bad signature/);
    expect(() => codec.decode(encodeSnapshots([snapshot]), 'events:{job:a:j1}')).toThrow(/unsigned/);
    const foreign = snapshotCodec('another secret, not ours').encode([snapshot], 'events:{job:a:j1}');
    expect(() => codec.decode(foreign, 'events:{job:a:j1}')).toThrow(/bad signature/);
  });

  it('during a rotation, also reads what the other secret signed, and signs with its own only', () => {
    const NEW = 'the new secret of the rotation';
    const old = snapshotCodec(SECRET, NEW);
    const fresh = snapshotCodec(NEW, SECRET);
    const topic = 'events:{job:a:j1}';
    expect(fresh.decode(old.encode([snapshot], topic), topic)).toEqual([snapshot]);
    expect(old.decode(fresh.encode([snapshot], topic), topic)).toEqual([snapshot]);
    // Signed with its own secret: an instance that has only the new one refuses the old side's messages.
    expect(() => snapshotCodec(NEW).decode(old.encode([snapshot], topic), topic)).toThrow(/bad signature/);
    const third = snapshotCodec('a third secret, in neither').encode([snapshot], topic);
    expect(() => old.decode(third, topic)).toThrow(/bad signature/);
    expect(() => fresh.decode(old.encode([snapshot], 'events:{job:b:j1}'), topic)).toThrow(/bad signature/);
  });
});

describe.skipIf(!REDIS)(`forged messages on a job's channel${REDIS_SKIP_REASON}`, () => {
  it('never reach subscribers: unsigned, signed with another secret, or replayed from another topic', async () => {
    const a = instance('a');
    const b = instance('b');
    const job = await stack.createJob();
    stack.at(job, 0.4);
    const onA = read(a.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1, 'the poller on a');
    const onB = read(b.watchJob(DEMO, job.id));
    await until(() => onB.events.length === 1, 'b listening');

    const channel = `${keyPrefix}events:{job:${DEMO.organizationId}:${job.id}}`;
    const forged = (n: number): JobSnapshot[] => [
      {
        ...onB.events[0]!,
        job: { ...onB.events[0]!.job, status: 'completed', name: 'FORGED' },
        version: `forged-${n}`,
      },
    ];
    const attacker = new Redis(REDIS_URL);
    connections.push(attacker);
    await attacker.publish(channel, encodeSnapshots(forged(1)));
    await attacker.publish(channel, snapshotCodec('another secret, not ours').encode(forged(2), channel));
    await attacker.publish(channel, snapshotCodec(SECRET).encode(forged(3), `${channel}:elsewhere`));

    // The genuine end comes after the forgeries on the same channel (Redis keeps the order).
    stack.at(job, 1.5);
    await until(() => onB.events.at(-1)?.job.status === 'completed', 'the real completion on b');
    expect(onB.events.filter((e) => e.version.startsWith('forged'))).toEqual([]);
    expect(onB.events.map((e) => (e.job as { name?: string }).name)).not.toContain('FORGED');
  });
});

describe.skipIf(!REDIS)(`rotating REDIS_MESSAGE_SECRET${REDIS_SKIP_REASON}`, () => {
  it('keeps instances on either side of the rotation hearing each other', async () => {
    const NEW = 'the new secret of the rotation';
    const before = instance('before', { messageSecret: SECRET, acceptedMessageSecret: NEW });
    const after = instance('after', { messageSecret: NEW, acceptedMessageSecret: SECRET });
    const job = await stack.createJob();
    stack.at(job, 0.4);
    const onBefore = read(before.watchJob(DEMO, job.id));
    await until(() => onBefore.events.length === 1, 'the poller on the instance before the rotation');
    const onAfter = read(after.watchJob(DEMO, job.id));
    await until(() => onAfter.events.length === 1, 'the instance after the rotation listening');
    stack.at(job, 1.5);
    await until(() => onAfter.events.at(-1)?.job.status === 'completed', 'the completion, signed with the old secret');
    expect(onAfter.events.at(-1)!.version).toBe(onBefore.events.at(-1)!.version);
  });
});
