/**
 * The soak trial's leak: the watcher made a queue of moves for each endpoint it watched and never let
 * it go, so a process kept one for every endpoint ever watched (188 queues with 28 endpoints alive).
 * A queue is now freed once no watch of its endpoint holds it and it has drained: the moves it still
 * holds as the endpoint stops being watched (switched off, deleted) are recorded first, not dropped,
 * and a later watch of the same endpoint makes a new one.
 */
import { Repeater } from '@repeaterjs/repeater';
import { expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import type { JobShape } from '../../src/providers/job-shape.js';
import type { JobStatus } from '../../src/upstream/schemas.js';
import { createWebhookWatcher } from '../../src/webhooks/watcher.js';
import type { StoredEndpoint, WebhookOwner, WebhookStore } from '../../src/webhooks/webhook-store.js';
import { eventually } from '../harness/stack.js';
import { describeOnBackends, freshOwner, newEndpoint, silent } from './store-backends.js';

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
  return { hub, move };
}

/** `store` whose `recordJob` waits while `gate.shut` (a recording mid-way as the endpoint goes). */
function gatedRecording(store: WebhookStore) {
  let open = () => {};
  const gate = { shut: null as Promise<void> | null, open: () => open() };
  const recorded: string[] = [];
  const gated = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (name !== 'recordJob') return value;
      return async (...args: Parameters<WebhookStore['recordJob']>) => {
        await gate.shut;
        recorded.push(`${args[1].jobId} ${args[1].status}`);
        return store.recordJob(...args);
      };
    },
  });
  const shut = () => {
    gate.shut = new Promise<void>((resolve) => (open = resolve));
  };
  return { gated, gate, shut, recorded };
}

describeOnBackends('the webhook watcher’s queues of moves', (suite) => {
  const store = suite.store();

  function watcherOn(on: WebhookStore, hub: LiveUpdates) {
    return createWebhookWatcher({
      store: on,
      hubs: new Map([['nscale', hub]]),
      now: Date.now,
      rescanMs: 60_000,
      recordRetryMs: 50,
      logger: silent,
    });
  }

  const types = async (owner: WebhookOwner, endpointId: string) =>
    (await store.listDeliveries(owner, endpointId, 100, null)).deliveries.map((d) => `${d.type} ${d.jobId}`).sort();

  it('go back down as endpoints are deleted, to one per endpoint watched', async () => {
    const { hub, move } = fakeHub();
    const watcher = watcherOn(store, hub);
    const made: { owner: WebhookOwner; endpoint: StoredEndpoint }[] = [];
    try {
      for (let i = 0; i < 6; i += 1) {
        const owner = freshOwner();
        made.push({ owner, endpoint: await store.createEndpoint(newEndpoint(owner), 10, new Date()) });
      }
      await watcher.refresh();
      await eventually(() => watcher.queueCount() === 6 || undefined, 5_000, 'six queues');
      move('job-1', 'queued');
      await eventually(async () => (await types(made[0]!.owner, made[0]!.endpoint.id)).length > 0 || undefined);
      await eventually(() => watcher.unrecordedCount() === 0 || undefined, 5_000, 'the moves recorded');

      for (const { owner, endpoint } of made.slice(0, 4)) await store.deleteEndpoint(owner, endpoint.id);
      await watcher.refresh();
      await eventually(() => watcher.watchedCount() === 2 || undefined, 5_000, 'two endpoints watched');
      await eventually(() => watcher.queueCount() === 2 || undefined, 5_000, 'the deleted endpoints’ queues freed');

      for (const { owner, endpoint } of made.slice(4)) await store.deleteEndpoint(owner, endpoint.id);
      await watcher.refresh();
      await eventually(() => watcher.queueCount() === 0 || undefined, 5_000, 'every queue freed');
    } finally {
      await watcher.close();
      for (const { owner, endpoint } of made) await store.deleteEndpoint(owner, endpoint.id);
    }
  });

  it('keep the moves waiting as the endpoint is switched off, record them, then free; a new watch has a new one', async () => {
    const { hub, move } = fakeHub();
    const { gated, gate, shut, recorded } = gatedRecording(store);
    const watcher = watcherOn(gated, hub);
    try {
      const owner = freshOwner();
      const endpoint = await store.createEndpoint(newEndpoint(owner), 10, new Date());
      await watcher.refresh();
      await eventually(() => watcher.queueCount() === 1 || undefined, 5_000, 'the endpoint watched');

      shut();
      move('job-1', 'queued'); // its recording waits at the gate: mid-move as the endpoint goes
      move('job-1', 'starting'); // waits behind it
      await store.updateEndpoint(owner, endpoint.id, { enabled: false }, new Date());
      await watcher.refresh();
      await eventually(() => watcher.watchedCount() === 0 || undefined, 5_000, 'the watch stopped');
      await new Promise((r) => setTimeout(r, 100));
      expect(watcher.queueCount()).toBe(1);
      expect(watcher.unrecordedCount()).toBe(2);

      gate.open();
      await eventually(() => watcher.queueCount() === 0 || undefined, 5_000, 'the queue freed once drained');
      expect(recorded).toEqual(['job-1 queued', 'job-1 starting']);
      expect(await types(owner, endpoint.id)).toEqual(['JOB_CREATED job-1', 'JOB_STATUS_CHANGED job-1']);

      // Watched again under the same id: a new queue, whose moves are recorded.
      await store.updateEndpoint(owner, endpoint.id, { enabled: true }, new Date());
      await watcher.refresh();
      await eventually(() => watcher.queueCount() === 1 || undefined, 5_000, 'watched again');
      move('job-1', 'running');
      await eventually(async () => (await types(owner, endpoint.id)).includes('JOB_RUNNING job-1') || undefined);
      await store.deleteEndpoint(owner, endpoint.id);
    } finally {
      await watcher.close();
    }
  });

  it('free the queue of an endpoint deleted mid-move once its moves are through', async () => {
    const { hub, move } = fakeHub();
    const { gated, gate, shut, recorded } = gatedRecording(store);
    const watcher = watcherOn(gated, hub);
    try {
      const owner = freshOwner();
      const endpoint = await store.createEndpoint(newEndpoint(owner), 10, new Date());
      await watcher.refresh();
      await eventually(() => watcher.queueCount() === 1 || undefined, 5_000, 'the endpoint watched');

      shut();
      move('job-2', 'queued');
      move('job-2', 'running');
      await store.deleteEndpoint(owner, endpoint.id);
      await watcher.refresh();
      await eventually(() => watcher.watchedCount() === 0 || undefined, 5_000, 'the watch stopped');
      expect(watcher.queueCount()).toBe(1);

      gate.open();
      await eventually(() => watcher.queueCount() === 0 || undefined, 5_000, 'the queue freed');
      expect(recorded).toEqual(['job-2 queued', 'job-2 running']);
      expect(watcher.unrecordedCount()).toBe(0);
    } finally {
      await watcher.close();
    }
  });
});
