/**
 * A caller whose service token (a JWT) expires: each of its subscriptions, on WebSocket and SSE,
 * ends with UNAUTHENTICATED at the token's `exp`, while another caller's subscription to the same
 * job (same shared poller) goes on to the terminal event. The simulator's clock is held before
 * `exp`, so the upstream would still accept the token: the gateway itself ends the streams on time,
 * it does not wait for the upstream to refuse a poll.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/upstream/types.js';
import { useLiveStack } from '../harness/live-stack.js';
import { subscribeSse, type SseEvents } from '../harness/sse.js';
import { DEMO, eventually } from '../harness/stack.js';
import { subscribeWs, type WsSubscription } from '../harness/ws.js';

const JOB_SECONDS = 1_000;
const JWT_SECRET = 'token-expiry-e2e-secret';
// The job is created 30 % of its run in the past, so that at 30 % (running) the simulator's clock
// reads about the real time, which the gateway compares `exp` with.
const live = useLiveStack({
  http: true,
  jobSeconds: JOB_SECONDS,
  clockStart: Date.now() - 0.3 * JOB_SECONDS * 1000,
  simulator: { jwtSecret: JWT_SECRET },
});
const { clock } = live;

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { latest { step } } } }`;
type Subscriber = WsSubscription | SseEvents;

function subscribeBoth(creds: Credentials, jobId: string): Subscriber[] {
  const client = live.ws(creds);
  const { url } = live.stack.server!;
  return [
    subscribeWs(client, WATCH, { id: jobId }),
    subscribeWs(client, WATCH, { id: jobId }),
    subscribeSse(fetch, url, WATCH, { id: jobId }, creds),
  ];
}

describe('a token that expires during its subscriptions', () => {
  it("ends each of that caller's subscriptions with UNAUTHENTICATED on both transports; another caller's goes on", async () => {
    const { stack } = live;
    const job = await live.newJob('expiring');
    clock.at(job, 0.3);
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await new SignJWT({ organization_id: 'demo-org' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const expiring = subscribeBoth({ token, organizationId: 'demo-org' }, job.id);
    const lasting = subscribeBoth(DEMO, job.id);
    await eventually(
      () => ([...expiring, ...lasting].every((s) => s.events.length > 0) ? true : undefined),
      10_000,
      'the current state',
    );
    expect(stack.live.pollerCount()).toBe(1);

    let lastingEnded = false;
    void Promise.all(lasting.map((s) => s.done)).finally(() => (lastingEnded = true));
    await Promise.all(expiring.map((s) => s.done));
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(clock.now()).toBeLessThan(exp * 1000); // The upstream would still have taken the token.
    for (const sub of expiring) {
      expect(sub.events).toHaveLength(2);
      expect(sub.events[0]!.data.jobUpdated.status).toBe('RUNNING');
      expect(sub.events[1]).toEqual({
        data: null,
        errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })],
      });
    }

    expect(lastingEnded).toBe(false);
    expect(stack.live.pollerCount()).toBe(1);
    clock.at(job, 0.6);
    await eventually(
      () => (lasting.every((s) => s.events.length >= 2) ? true : undefined),
      10_000,
      'the next change for the other caller',
    );
    clock.at(job, 1.5);
    await Promise.all(lasting.map((s) => s.done));
    for (const sub of lasting) {
      expect(sub.events.every((e) => e.errors === undefined)).toBe(true);
      expect(sub.events.map((e) => e.data.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);
    }
    expect(expiring.every((s) => s.events.length === 2)).toBe(true);
  });
});
