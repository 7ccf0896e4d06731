/**
 * The client's closed lists against Together's SDK types (type-only imports: src never depends on
 * the SDK): `tsc --noEmit` fails the day Together adds a status the status mapping does not know.
 */
import type { FinetuneResponse } from 'together-ai/resources/fine-tuning';
import { describe, expect, it } from 'vitest';
import {
  TOGETHER_STATUSES,
  gatewayStatus,
  trainingStarted,
  type TogetherStatus,
} from '../../../src/upstream/together/job-status.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesMatchSdk: Same<TogetherStatus, FinetuneResponse['status']> = true;

const mapped = (started: boolean) => Object.fromEntries(TOGETHER_STATUSES.map((s) => [s, gatewayStatus(s, started)]));

describe('Together client: wire types', () => {
  it("maps every status of the SDK's union onto a gateway status; cancel_requested keeps QUEUED or RUNNING", () => {
    expect(statusesMatchSdk).toBe(true);
    const started = {
      pending: 'queued',
      queued: 'queued',
      running: 'running',
      compressing: 'running',
      uploading: 'running',
      cancel_requested: 'running',
      cancelled: 'cancelled',
      error: 'failed',
      completed: 'completed',
    };
    expect(mapped(true)).toEqual(started);
    // Cancelled before its training started: not ended, and never RUNNING.
    expect(mapped(false)).toEqual({ ...started, cancel_requested: 'queued' });
  });

  it('reads a start from `started_at`, else from the events of a full read', () => {
    const event = (type: string, step = 0, total = 0) => ({ type, step, total_steps: total });
    expect(trainingStarted({})).toBe(false);
    expect(trainingStarted({ events: [event('job_pending'), event('cancel_requested')] })).toBe(false);
    expect(trainingStarted({ started_at: new Date(0) })).toBe(true);
    expect(trainingStarted({ events: [event('job_pending'), event('job_start')] })).toBe(true);
    expect(trainingStarted({ events: [event('cancel_requested', 0, 120)] })).toBe(true);
    expect(trainingStarted({ events: [event('cancel_requested', 3)] })).toBe(true);
  });
});
