/**
 * job-poller-after-outage.spec.ts across instances: the list poll that sees the upstream answer
 * again runs on one instance, the job's lease holder (in backoff) on another, which has no
 * `jobsUpdated` subscriber of its own. The holder hears the list's changes on the account's list
 * channel and polls at once. Real time (the Redis transport's own timers run too), so the bound is
 * loose: under a second, where the holder's backoff had 2 s left.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

let stack: LiveStack;
let connections: Redis[];
const keyPrefix = `test:live:${randomUUID()}:`;

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

/** A hub on Redis: running and list polls every 20 ms, backoff up to 2 s; `failed()` counts its failed job polls. */
function instance(name: string) {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  connections.push(publisher, subscriber);
  let failed = 0;
  const hub = stack.hub({
    redis: { publisher, subscriber },
    keyPrefix,
    instanceId: name,
    intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 2_000, leaseMs: 2_000 },
    observer: {
      poll(kind, outcome) {
        if (kind === 'job' && outcome === 'failed') failed += 1;
      },
    },
  });
  return { hub, failed: () => failed };
}

const jobPolls = () => stack.sim.stats()['GET /jobs/{id}'] ?? 0;

describe.skipIf(!REDIS)(`a job poller after an upstream outage, with Redis${REDIS_SKIP_REASON}`, () => {
  it("polls at once on its lease holder when another instance's list poll sees the upstream answer", async () => {
    const holder = instance('holder');
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const onHolder = read(holder.hub.watchJob(DEMO, job.id));
    await until(() => onHolder.events.length === 1, 'the first event');

    // Seven failed polls (20 ms doubled each time): the holder now waits the whole 2 s.
    stack.sim.setFaults({ error: { rate: 1, status: 503 } });
    stack.at(job, 1.5);
    await until(() => holder.failed() >= 7, 'seven failed polls');

    stack.sim.setFaults({});
    stack.sim.resetStats();
    const started = Date.now();
    const lister = instance('lister');
    const onLister = read(lister.hub.watchJobs(DEMO));
    await onHolder.finished;
    const elapsed = Date.now() - started;

    expect(onHolder.statuses()).toEqual(['running', 'completed']);
    expect(onLister.statuses()).toEqual(['completed']);
    expect(elapsed).toBeLessThan(1_000);
    expect(jobPolls()).toBe(1);
    await onLister.iterator.return?.();
  });
});
