/**
 * The pure rules under the hub, and what the simulator cannot stage: the backoff schedule, token
 * rotation, the snapshot wire form, and a job that disappears mid-stream (a fake client).
 */
import { describe, expect, it } from 'vitest';
import { createCredentialPool } from '../../src/live/credential-pool.js';
import { createLiveUpdates } from '../../src/live/hub.js';
import { nextPollDelay } from '../../src/live/poll-delay.js';
import { compareProgress, makeSnapshot, supersedes } from '../../src/live/snapshot.js';
import { decodeSnapshots, encodeSnapshots } from '../../src/live/snapshot-codec.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import type { Job, Metrics } from '../../src/upstream/schemas.js';
import type { UpstreamClient } from '../../src/upstream/types.js';
import { codeOf, read, until } from '../harness/hub-stack.js';

const job = (status: Job['status'], id = 'job-1'): Job => ({
  id,
  name: 'j',
  baseModelId: 'm',
  baseModelName: 'M',
  dataset: { id: 'd', promptColumn: null, answerColumn: 'answer' },
  hyperparameters: {
    nEpochs: 1,
    nEvals: 0,
    batchSize: 4,
    learningRate: 1e-5,
    warmupRatio: 0,
    weightDecay: 0,
    bestCheckpoints: false,
    maskPromptLabels: false,
    lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainableModules: [] },
  },
  status,
  createdAt: new Date('2026-01-14T14:57:45.376Z'),
  startedAt: status === 'queued' ? null : new Date('2026-01-14T14:58:00.000Z'),
  completedAt: null,
  error: null,
});
const metrics = (points: number): Metrics => ({
  points: Array.from({ length: points }, (_, i) => ({
    step: i + 1,
    timestamp: new Date(1_700_000_000_000 + i),
    trainingLoss: 1 / (i + 1),
    validationLoss: null,
    perplexity: null,
  })),
  trainingSteps: 10,
  trainingTokens: 100,
  validationSteps: 0,
});

describe('nextPollDelay', () => {
  const max = 30_000;
  it('uses the base interval while healthy and none once finished', () => {
    expect(nextPollDelay({ baseMs: 2_000, failures: 0, maxBackoffMs: max })).toBe(2_000);
    expect(nextPollDelay({ baseMs: null, failures: 3, maxBackoffMs: max })).toBeNull();
  });
  it('doubles per failure up to the cap, and a longer Retry-After wins', () => {
    expect(
      [1, 2, 3, 4, 5, 60].map((failures) => nextPollDelay({ baseMs: 2_000, failures, maxBackoffMs: max })),
    ).toEqual([4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(nextPollDelay({ baseMs: 2_000, failures: 1, retryAfterSeconds: 60, maxBackoffMs: max })).toBe(60_000);
    expect(nextPollDelay({ baseMs: 2_000, failures: 3, retryAfterSeconds: 1, maxBackoffMs: max })).toBe(16_000);
  });
});

describe('credential pool', () => {
  const member = (token: string, expiresAt: number | null = null) => ({
    creds: { token, organizationId: 'o' },
    expiresAt,
  });
  it('rotates through distinct tokens in join order, skipping expired ones, and forgets a token with its last holder', () => {
    const pool = createCredentialPool<ReturnType<typeof member>>();
    const a = member('a');
    const a2 = member('a');
    const b = member('b', 1_000);
    const c = member('c');
    [a, a2, b, c].forEach((m) => pool.add(m));
    expect([0, 0, 0, 0].map(() => pool.next(500)?.token)).toEqual(['a', 'b', 'c', 'a']);
    expect([0, 0, 0].map(() => pool.next(2_000)?.token)).toEqual(['c', 'a', 'c']);
    pool.remove(a);
    expect(pool.next(0)?.token).toBe('a');
    pool.remove(a2);
    expect(pool.dropToken('c')).toEqual([c]);
    expect(pool.next(0)?.token).toBe('b');
    expect(pool.next(2_000)).toBeUndefined();
    expect(pool.size).toBe(1);
  });
});

describe('snapshots', () => {
  it("count the provider's own status word as a change (Together running, then compressing: it is Job.providerStatus)", () => {
    const running = { ...job('running'), upstreamStatus: 'running' } as Job;
    const compressing = { ...job('running'), upstreamStatus: 'compressing' } as Job;
    expect(makeSnapshot(compressing, null).version).not.toBe(makeSnapshot(running, null).version);
    // What a subscriber sees still counts.
    expect(makeSnapshot(job('completed'), null).version).not.toBe(makeSnapshot(job('running'), null).version);
  });

  it('round-trips through the wire form with Dates and version intact', () => {
    const snapshot = makeSnapshot(job('running'), metrics(3));
    const [back] = decodeSnapshots(encodeSnapshots([snapshot]));
    expect(back).toEqual(snapshot);
    expect(makeSnapshot(back!.job, back!.metrics).version).toBe(snapshot.version);
    expect(() => decodeSnapshots('[{"job":{"createdAt":"yesterday"},"version":"x"}]')).toThrow(
      /createdAt: expected an ISO timestamp/,
    );
  });
  it('orders by status, then metric points, and never moves past a terminal snapshot', () => {
    const running3 = makeSnapshot(job('running'), metrics(3));
    const running5 = makeSnapshot(job('running'), metrics(5));
    const done = makeSnapshot(job('completed'), metrics(5));
    expect(compareProgress(running3, running5)).toBeLessThan(0);
    expect(supersedes(running5, running3)).toBe(true);
    expect(supersedes(running3, running5)).toBe(false);
    expect(supersedes(running5, running5)).toBe(false);
    expect(supersedes(running5, done)).toBe(false);
    expect(supersedes(makeSnapshot(job('failed'), null), done)).toBe(false);
  });
});

describe('a job that disappears mid-stream', () => {
  it('ends its subscriptions with NOT_FOUND and drops the poller', async () => {
    let gone = false;
    const client = {
      getJob: async () => {
        if (gone) throw new UpstreamError('NOT_FOUND', 'job job-1 was not found');
        return job('queued');
      },
    } as unknown as UpstreamClient;
    const hub = createLiveUpdates({ client, intervals: { runningMs: 10, queuedMs: 10 } });
    const reader = read(hub.watchJob({ token: 't', organizationId: 'o' }, 'job-1'));
    await until(() => reader.events.length === 1, 'first event');
    gone = true;
    await reader.finished;
    expect(codeOf(reader.ended)).toBe('NOT_FOUND');
    expect(hub.pollerCount()).toBe(0);
    await hub.close();
  });
});
