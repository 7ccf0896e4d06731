/**
 * `call()` on an exchange that is both retried and outcome-unknown (no endpoint is, today: job
 * creation makes one attempt). Once an attempt may have acted (a 502/504 or a broken connection), the
 * call's failure must not say "safe to repeat", however the last attempt ended.
 */
import { MockAgent, errors } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCall, type Exchange } from '../../src/upstream/call.js';
import { resolveOptions } from '../../src/upstream/options.js';
import { sleep } from '../../src/upstream/sleep.js';
import { BASE, CREDS, ORIGIN, ORG_PATH, rejectionOf } from './mock-upstream.js';

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(() => agent.close());

const exchange: Exchange = {
  method: 'POST',
  route: '/jobs',
  path: '/jobs',
  json: {},
  retry: true,
  outcomeUnknownOnLostAnswer: true,
};

describe('a retried exchange whose effect matters', () => {
  it('502 then 503: the first attempt may have acted → UPSTREAM_OUTCOME_UNKNOWN', async () => {
    const call = createCall(agent, resolveOptions({ baseUrl: BASE, retry: { maxAttempts: 2 }, sleep: async () => {} }));
    agent
      .get(ORIGIN)
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(502, '{}');
    agent
      .get(ORIGIN)
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(503, '{}');
    expect(await rejectionOf(call(CREDS, exchange, undefined))).toMatchObject({
      code: 'UPSTREAM_OUTCOME_UNKNOWN',
      status: 503,
    });
  });

  it('503 then 503: nothing was done → UPSTREAM_UNAVAILABLE', async () => {
    const call = createCall(agent, resolveOptions({ baseUrl: BASE, retry: { maxAttempts: 2 }, sleep: async () => {} }));
    agent
      .get(ORIGIN)
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .reply(503, '{}')
      .times(2);
    expect(await rejectionOf(call(CREDS, exchange, undefined))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      status: 503,
    });
  });

  it('a broken connection, then the deadline during the retry sleep → UPSTREAM_OUTCOME_UNKNOWN', async () => {
    // The retry sleep (22 ms asked, within the 30 ms deadline) overruns, as under event-loop lag: the deadline cuts it.
    const lagging = (ms: number, signal: AbortSignal) => sleep(ms + 1_000, signal);
    const call = createCall(
      agent,
      resolveOptions({
        baseUrl: BASE,
        deadlineMs: 30,
        retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 25 },
        random: () => 0.9,
        sleep: lagging,
      }),
    );
    agent
      .get(ORIGIN)
      .intercept({ path: `${ORG_PATH}/jobs`, method: 'POST' })
      .replyWithError(new errors.SocketError('other side closed'))
      .persist();
    const e = await rejectionOf(call(CREDS, exchange, undefined));
    expect(e).toMatchObject({ code: 'UPSTREAM_OUTCOME_UNKNOWN' });
  });
});
