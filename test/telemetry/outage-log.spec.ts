/**
 * A failure repeated on every turn is logged twice: its first occurrence in full, and the first
 * success after it with how long and how many turns failed; a success with no outage says nothing.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { outageLog } from '../../src/telemetry/outage-log.js';

describe('the log of an outage', () => {
  it('is the first failure, then the first success with how long and how many, and again for the next', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let t = 1_000;
    const log = outageLog(
      logger,
      { level: 'error', failed: 'scan failed', back: 'scan works again' },
      { part: 'scan' },
      () => t,
    );

    log.succeeded();
    for (const message of ['connect ECONNREFUSED', 'still refused', 'the database system is starting up']) {
      log.failed(new Error(message));
      t += 500;
    }
    log.succeeded();
    log.succeeded();
    log.failed(new Error('read ECONNRESET'));
    t += 100;
    log.succeeded();

    expect(
      lines.map(({ level, msg, part, downMs, failures, err }) => ({
        level,
        msg,
        part,
        downMs,
        failures,
        message: (err as { message?: string } | undefined)?.message,
      })),
    ).toEqual([
      {
        level: 50,
        msg: 'scan failed',
        part: 'scan',
        downMs: undefined,
        failures: undefined,
        message: 'connect ECONNREFUSED',
      },
      { level: 30, msg: 'scan works again', part: 'scan', downMs: 1_500, failures: 3, message: undefined },
      {
        level: 50,
        msg: 'scan failed',
        part: 'scan',
        downMs: undefined,
        failures: undefined,
        message: 'read ECONNRESET',
      },
      { level: 30, msg: 'scan works again', part: 'scan', downMs: 100, failures: 1, message: undefined },
    ]);
  });
});
