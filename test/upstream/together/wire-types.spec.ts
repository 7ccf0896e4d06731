/**
 * The client's closed lists against Together's SDK types (type-only imports: src never depends on
 * the SDK): `tsc --noEmit` fails the day Together adds a status the status mapping does not know.
 */
import type { FinetuneResponse } from 'together-ai/resources/fine-tuning';
import { describe, expect, it } from 'vitest';
import { TOGETHER_STATUSES, gatewayStatus, type TogetherStatus } from '../../../src/upstream/together/job-status.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesMatchSdk: Same<TogetherStatus, FinetuneResponse['status']> = true;

describe('Together client: wire types', () => {
  it("maps every status of the SDK's union onto a gateway status", () => {
    expect(statusesMatchSdk).toBe(true);
    expect(Object.fromEntries(TOGETHER_STATUSES.map((s) => [s, gatewayStatus(s)]))).toEqual({
      pending: 'queued',
      queued: 'queued',
      running: 'running',
      compressing: 'running',
      uploading: 'running',
      cancel_requested: 'running',
      cancelled: 'cancelled',
      error: 'failed',
      completed: 'completed',
    });
  });
});
