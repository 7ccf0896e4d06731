/**
 * Settings that end up as a timer's delay are bounded by what a Node timer keeps (2^31 - 1 ms, about
 * 24.8 days): past it `setTimeout` and `setInterval` run after 1 ms instead, and an operator trial's
 * `POLL_INTERVAL_*_MS=3000000000` started with a warning on stderr only, then polled one subscribed job
 * 722 times in 5 s. Such a value is refused at start, naming the setting, the value and the limit.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, settingVariables } from '../src/config.js';
import { MAX_TIMER_MS } from '../src/env-values.js';

/**
 * Durations compared with stored timestamps, never a timer's delay: their default (30 days, 1 day)
 * may exceed a timer's bound, and does for the retention (the sweep's timer takes at most an hour).
 */
const PERIODS = ['WEBHOOK_DELIVERY_RETENTION_MS', 'WEBHOOK_SECRET_GRACE_MS'];
const MS = Object.keys(settingVariables.shape).filter((name) => name.endsWith('_MS') && !PERIODS.includes(name));
/** Seconds the gateway turns into a timer's milliseconds (the upload pace's `setInterval`). */
const SECONDS = ['UPLOAD_RATE_WINDOW_SECONDS'];

describe('settings that become timer delays', () => {
  it('are every *_MS setting but the retention periods, read as delays', () => {
    // The list grows with the schema: a new *_MS setting is bounded unless it is added to PERIODS.
    expect(MS).toEqual(
      expect.arrayContaining([
        'UPSTREAM_DEADLINE_MS',
        'POLL_INTERVAL_RUNNING_MS',
        'POLL_INTERVAL_QUEUED_MS',
        'POLL_INTERVAL_LIST_MS',
        'POLL_MAX_BACKOFF_MS',
        'REDIS_HEARTBEAT_MS',
        'WS_UNAUTHENTICATED_IDLE_MS',
        'WEBHOOK_ATTEMPT_TIMEOUT_MS',
        'WEBHOOK_SCAN_MS',
        'WEBHOOK_ENDPOINT_RESCAN_MS',
      ]),
    );
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });

  it("refuses the trial's poll interval of 3,000,000,000 ms, naming the setting, the value and the limit", () => {
    expect(() => loadConfig({ POLL_INTERVAL_QUEUED_MS: '3000000000' })).toThrow(
      'POLL_INTERVAL_QUEUED_MS="3000000000": must be a whole number of milliseconds from 1 to 2147483647 ' +
        "(about 24.8 days, the longest delay Node's timers keep)",
    );
  });

  it.each(MS)('%s: accepts 2147483647 ms and refuses 2147483648', (name) => {
    expect(() => loadConfig({ [name]: String(MAX_TIMER_MS) })).not.toThrow();
    expect(() => loadConfig({ [name]: String(MAX_TIMER_MS + 1) })).toThrow(
      new RegExp(`${name}="2147483648": must be a whole number of milliseconds from \\d+ to 2147483647 `),
    );
  });

  it.each(SECONDS)('%s: accepts 2147483 s and refuses 2147484', (name) => {
    expect(() => loadConfig({ [name]: '2147483' })).not.toThrow();
    expect(() => loadConfig({ [name]: '2147484' })).toThrow(
      `${name}="2147484": must be a whole number of seconds from 1 to 2147483 (about 24.8 days`,
    );
  });

  it.each(PERIODS)('%s, a period compared with timestamps, still takes more than 24.8 days', (name) => {
    expect(() => loadConfig({ [name]: String(60 * 24 * 3_600_000) })).not.toThrow();
  });

  it('keeps the lower bounds: 0 turns HTTP_REQUEST_TIMEOUT_MS off, REDIS_HEARTBEAT_MS is 30 or more', () => {
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' }).connections.requestTimeoutMs).toBe(0);
    expect(() => loadConfig({ REDIS_HEARTBEAT_MS: '29' })).toThrow(
      'REDIS_HEARTBEAT_MS="29": must be a whole number of milliseconds from 30 to 2147483647',
    );
    expect(() => loadConfig({ POLL_INTERVAL_RUNNING_MS: '0' })).toThrow('POLL_INTERVAL_RUNNING_MS="0"');
  });
});
