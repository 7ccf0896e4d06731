/**
 * The parsers of environment values (src/env-values.ts): booleans read alike whatever their case, and
 * say exactly what they accept; delays bounded by what a Node timer keeps.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { bool, MAX_TIMER_MS, milliseconds, seconds } from '../src/env-values.js';

const message = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  result.error?.issues[0]?.message;

describe('boolean settings', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['yes', true],
    ['YES', true],
    ['1', true],
    [' true ', true],
    ['false', false],
    ['FALSE', false],
    ['False', false],
    ['no', false],
    ['No', false],
    ['0', false],
  ])('read %j as %s', (value, expected) => {
    expect(bool.parse(value)).toBe(expected);
  });

  it.each(['maybe', 'on', 'off', 'y', 't', '2', 'truee'])('refuse %j, listing exactly the values accepted', (value) => {
    expect(message(bool.safeParse(value))).toBe('must be true, false, yes, no, 1 or 0 (in any case)');
  });

  it('reads TRUE and True in a setting as true (they were refused), and names the setting in a refusal', () => {
    const env = { NSCALE_API_URL: 'http://127.0.0.1:4010/api/v1', NSCALE_API_TOKEN: 't', NSCALE_ORGANIZATION_ID: 'o' };
    for (const value of ['TRUE', 'True'])
      expect(loadConfig({ ...env, GATEWAY_SINGLE_TENANT: value }).fallbackCredentials).toEqual({
        token: 't',
        organizationId: 'o',
      });
    expect(loadConfig({ RESPONSE_CACHE_ENABLED: 'False' }).responseCache).toBeNull();
    expect(() => loadConfig({ GRAPHIQL_ENABLED: 'enabled' })).toThrow(
      'GRAPHIQL_ENABLED="enabled": must be true, false, yes, no, 1 or 0 (in any case)',
    );
  });
});

describe('delays that end up in timers', () => {
  it('are bounded by 2^31 - 1 ms, past which Node runs a timer after 1 ms', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    // What the bound guards against: Node's own clamp of a longer delay.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const timer = setTimeout(() => undefined, MAX_TIMER_MS + 1);
    clearTimeout(timer);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(warnings).toContain('TimeoutOverflowWarning');
        resolve();
      }),
    );
  });

  it('in milliseconds: from the minimum to 2147483647, the refusal saying both and why', () => {
    const ms = milliseconds(1);
    expect(ms.parse('2147483647')).toBe(MAX_TIMER_MS);
    expect(ms.parse(' 5000 ')).toBe(5000);
    const why =
      "must be a whole number of milliseconds from 1 to 2147483647 (about 24.8 days, the longest delay Node's timers keep)";
    for (const value of ['2147483648', '3000000000', '9007199254740993', '0', '1.5', '5s', ''])
      expect(message(ms.safeParse(value)), value).toBe(why);
    expect(milliseconds(0).parse('0')).toBe(0);
    expect(message(milliseconds(30).safeParse('29'))).toMatch(
      /^must be a whole number of milliseconds from 30 to 2147483647 /,
    );
  });

  it('refuses a number past MAX_SAFE_INTEGER once, saying what it must be (not zod\'s "Too big: expected int")', () => {
    expect(() => loadConfig({ MAX_UPLOAD_BYTES: '9007199254740993' })).toThrow(
      /^Invalid configuration:\n {2}MAX_UPLOAD_BYTES="9007199254740993": must be a whole number greater than 0$/,
    );
  });

  it('in seconds: up to 2147483 (its milliseconds fit a timer)', () => {
    const s = seconds(1);
    expect(s.parse('2147483')).toBe(2_147_483);
    expect(2_147_483 * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(message(s.safeParse('2147484'))).toBe(
      "must be a whole number of seconds from 1 to 2147483 (about 24.8 days, the longest delay Node's timers keep)",
    );
  });
});
