/**
 * The trial's bug: during a database outage the watcher merged a job's moves. It saw RUNNING, but its
 * recording failed, the watch ended, and the watch opened once the database was back compared the
 * job's current status with the stored one: the endpoint got STARTING to COMPLETED, a move nobody
 * saw, and never JOB_RUNNING. Now every move seen meanwhile is kept, in order, and recorded once the
 * database is back; past the bound of jobs kept, a job found moved is recorded after a gap
 * (`previousStatus` null, no JOB_CREATED), never from a status it left long ago. And a move kept
 * through the outage that another instance has since recorded past is not recorded backwards.
 */
import { Repeater } from '@repeaterjs/repeater';
import { expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import type { JobShape } from '../../src/providers/job-shape.js';
import type { JobStatus } from '../../src/upstream/schemas.js';
import { seenJob } from '../../src/webhooks/record-seen.js';
import { createWebhookWatcher, type WebhookWatcher } from '../../src/webhooks/watcher.js';
import type { StoredEndpoint, WebhookStore } from '../../src/webhooks/webhook-store.js';
import { eventually } from '../harness/stack.js';
import { describeOnBackends, freshOwner, newEndpoint, silent } from './store-backends.js';

/** A job of the organization as the list shows it. */
const job = (id: string, status: JobStatus): JobShape =>
  ({
    id,
    name: id,
    status,
    baseModelId: 'meta-llama/Llama-3.1-8B-Instruct',
    dataset: { id: 'ds-1' },
    createdAt: new Date('2026-12-01T10:00:00Z'),
    startedAt: null,
    completedAt: null,
    error: null,
  }) as unknown as JobShape;

/** The engine as the watcher sees it: each stream gets the current jobs first, then each change. */
function fakeHub() {
  const current = new Map<string, JobShape>();
  const streams = new Set<(snapshot: { job: JobShape }) => void>();
  const hub = {
    watchJobs: (_creds: unknown, _filter: unknown, { signal }: { signal: AbortSignal }) =>
      new Repeater<{ job: JobShape }>(async (push, stop) => {
        // Ends when aborted, as the engine's streams do.
        signal.addEventListener('abort', () => stop(), { once: true });
        const each = (snapshot: { job: JobShape }) => void push(snapshot);
        for (const j of current.values()) each({ job: j });
        streams.add(each);
        await stop;
        streams.delete(each);
      }),
  } as unknown as LiveUpdates;
  const move = (id: string, status: JobStatus) => {
    const next = job(id, status);
    current.set(id, next);
    for (const each of streams) each({ job: next });
  };
  return { hub, move, current };
}

/** `store` whose every call fails as PostgreSQL refusing connections does, while `down.is`. */
function outageOf(store: WebhookStore) {
  const down = { is: false };
  const flaky = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down.is) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { flaky, down };
}

describeOnBackends('moves seen while the webhook database is out of reach', (suite) => {
  const store = suite.store();

  async function watching(options: { queuedJobs?: number } = {}) {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner), 10, new Date());
    const { hub, move } = fakeHub();
    const { flaky, down } = outageOf(store);
    const watcher: WebhookWatcher = createWebhookWatcher({
      store: flaky,
      hubs: new Map([['nscale', hub]]),
      now: Date.now,
      rescanMs: 100,
      recordRetryMs: 50,
      logger: silent,
      ...options,
    });
    await eventually(() => watcher.watchedCount() >= 1 || undefined, 5_000, 'the endpoint watched');
    return { owner, endpoint, move, down, watcher };
  }

  /** What the endpoint's deliveries say, oldest first: `TYPE previous→status`. */
  async function sent(owner: ReturnType<typeof freshOwner>, endpoint: StoredEndpoint, jobId: string) {
    const page = await store.listDeliveries(owner, endpoint.id, 100, null);
    return page.deliveries
      .filter((d) => d.jobId === jobId)
      .reverse()
      .map((d) => {
        const { type, data } = JSON.parse(d.body) as {
          type: string;
          data: { previousStatus: string | null; job: { status: string } };
        };
        return `${type} ${data.previousStatus}→${data.job.status}`;
      });
  }

  it('records and sends every move seen during the outage, in order, once the database is back', async () => {
    const { owner, endpoint, move, down, watcher } = await watching();
    try {
      move('job-1', 'queued');
      move('job-1', 'starting');
      await eventually(async () => (await sent(owner, endpoint, 'job-1')).length === 2 || undefined, 5_000, 'recorded');

      down.is = true;
      move('job-1', 'running');
      await new Promise((r) => setTimeout(r, 300)); // failed recordings, and rescans, meanwhile
      move('job-1', 'completed');
      await new Promise((r) => setTimeout(r, 300));
      expect(watcher.unrecordedCount()).toBe(2);
      down.is = false;

      const expected = [
        'JOB_CREATED null→QUEUED',
        'JOB_STATUS_CHANGED QUEUED→STARTING',
        'JOB_STATUS_CHANGED STARTING→RUNNING',
        'JOB_RUNNING STARTING→RUNNING',
        'JOB_STATUS_CHANGED RUNNING→COMPLETED',
        'JOB_COMPLETED RUNNING→COMPLETED',
      ];
      await eventually(
        async () => (await sent(owner, endpoint, 'job-1')).length >= expected.length || undefined,
        10_000,
        'sent',
      );
      expect(await sent(owner, endpoint, 'job-1')).toEqual(expected);
      expect(watcher.unrecordedCount()).toBe(0);
    } finally {
      await watcher.close();
    }
  });

  it('past the bound of jobs kept, sends a job found moved after a gap, not a move it did not make', async () => {
    const { owner, endpoint, move, down, watcher } = await watching({ queuedJobs: 1 });
    try {
      move('job-a', 'queued');
      move('job-b', 'queued');
      await eventually(async () => (await sent(owner, endpoint, 'job-b')).length === 1 || undefined, 5_000, 'recorded');

      down.is = true;
      move('job-a', 'running'); // kept
      await new Promise((r) => setTimeout(r, 200)); // its recording failed: from now on the bound holds
      move('job-b', 'starting'); // not kept: one job's moves at most while recordings fail
      move('job-b', 'completed');
      await new Promise((r) => setTimeout(r, 300));
      down.is = false;

      await eventually(
        async () => (await sent(owner, endpoint, 'job-b')).length >= 3 || undefined,
        10_000,
        'job-b sent',
      );
      expect(await sent(owner, endpoint, 'job-a')).toEqual([
        'JOB_CREATED null→QUEUED',
        'JOB_STATUS_CHANGED QUEUED→RUNNING',
        'JOB_RUNNING QUEUED→RUNNING',
      ]);
      // Not QUEUED→COMPLETED: STARTING was seen, not kept; the move is from a status not known.
      expect(await sent(owner, endpoint, 'job-b')).toEqual([
        'JOB_CREATED null→QUEUED',
        'JOB_STATUS_CHANGED null→COMPLETED',
        'JOB_COMPLETED null→COMPLETED',
      ]);
    } finally {
      await watcher.close();
    }
  });

  it('does not record a kept move backwards once another instance has recorded a later one', async () => {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner), 10, new Date('2026-12-01T10:00:00Z'));
    const seen = (status: JobStatus, ms: number) =>
      seenJob('nscale', job('job-x', status), new Date(Date.parse('2026-12-01T10:00:00Z') + ms));
    const later = new Date('2026-12-01T11:00:00Z');
    await store.recordJob(endpoint, seen('queued', 1_000), later);
    // Another instance recorded COMPLETED, seen at 30 s; this one kept RUNNING, seen at 20 s.
    await store.recordJob(endpoint, seen('completed', 30_000), later);
    expect(await store.recordJob(endpoint, seen('running', 20_000), later)).toEqual([]);
    expect(await sent(owner, endpoint, 'job-x')).toEqual([
      'JOB_CREATED null→QUEUED',
      'JOB_STATUS_CHANGED QUEUED→COMPLETED',
      'JOB_COMPLETED QUEUED→COMPLETED',
    ]);
  });
});
