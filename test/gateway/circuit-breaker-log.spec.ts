/**
 * The circuit breaker's changes of state in the operator's log (operator trial: the breaker opened and
 * closed, `/readyz` and the metrics showed it, and no log line mentioned it). One warning when a
 * breaker opens, naming the provider, the failures in a row and the cool-down; one info line when it
 * closes, with how long it was open; no line per refused request. Each provider's breaker says its own.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, eventually, headersFor, startStack, type Stack } from '../harness/stack.js';

const lines: Array<Record<string, any>> = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
const breakerLines = () => lines.filter((l) => /circuit breaker/.test(String(l['msg'])));
const DATASETS = '{ datasets { id } }';
let stack: Stack;
let now = 1_000_000;

beforeAll(async () => {
  stack = await startStack({
    logger,
    client: {
      retry: { maxAttempts: 1 },
      circuitBreaker: { threshold: 2, windowMs: 60_000, coolDownMs: 5_000, now: () => now },
    },
    // Together's breaker takes the settings (its own real clock): opened by the last test only.
    env: { UPSTREAM_BREAKER_THRESHOLD: '2', UPSTREAM_BREAKER_COOLDOWN_MS: '60000' },
  });
});
afterAll(() => stack.close());

const code = (res: Awaited<ReturnType<Stack['gql']>>) => res.errors?.[0]?.extensions?.['code'];

describe('the circuit breaker in the log', () => {
  it('opening is one warning with the provider, the failures in a row and the cool-down; refusals add nothing', async () => {
    stack.simulator.setFaults({ route: 'GET /datasets', error: { count: 2, status: 503 } });
    expect(code(await stack.gql(DATASETS))).toBe('UPSTREAM_UNAVAILABLE');
    expect(breakerLines()).toEqual([]);
    expect(code(await stack.gql(DATASETS))).toBe('UPSTREAM_UNAVAILABLE');
    stack.simulator.resetStats();
    for (let i = 0; i < 5; i++) expect(code(await stack.gql(DATASETS))).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.calls()).toEqual({}); // refused by the open breaker

    expect(breakerLines()).toEqual([
      expect.objectContaining({
        level: 40,
        component: 'upstream',
        provider: 'nscale',
        circuitBreaker: 'open',
        failures: 2,
        coolDownMs: 5_000,
        msg:
          'circuit breaker opened after 2 failures in a row: calls to the fine-tuning service are refused ' +
          '(UPSTREAM_UNAVAILABLE) for 5 s, then one call goes through to probe it',
      }),
    ]);
  });

  it('closing is one info line saying how long it was open', async () => {
    now += 7_500;
    const probe = await stack.gql(DATASETS, {}, DEMO);
    expect(probe.errors).toBeUndefined();
    expect(stack.client.circuitBreaker!.state()).toBe('closed');
    expect(breakerLines().slice(1)).toEqual([
      expect.objectContaining({
        level: 30,
        provider: 'nscale',
        circuitBreaker: 'closed',
        openMs: 7_500,
        msg: 'circuit breaker closed: the fine-tuning service answered the probe; it was open for 7.5 s',
      }),
    ]);
    // Calls of a closed breaker log nothing of it.
    for (let i = 0; i < 3; i++) expect((await stack.gql(DATASETS)).errors).toBeUndefined();
    expect(breakerLines()).toHaveLength(2);
  });

  it("Together's breaker says Together's opening, not Nscale's", async () => {
    stack.togetherSimulator!.setFaults({ error: { rate: 1, status: 500 } });
    const onTogether = async () => {
      const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-provider': 'together', ...headersFor(DEMO) },
        body: JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' }),
      });
      return (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    };
    await eventually(
      async () => {
        expect((await onTogether()).errors?.[0]?.extensions?.code).toMatch(/^UPSTREAM_(ERROR|UNAVAILABLE)$/);
        return breakerLines().length > 2 ? true : undefined;
      },
      20_000,
      "Together's breaker opened",
    );
    stack.togetherSimulator!.setFaults({});
    expect(breakerLines().slice(2)).toEqual([
      expect.objectContaining({
        level: 40,
        provider: 'together',
        circuitBreaker: 'open',
        failures: 2,
        coolDownMs: 60_000,
        msg: expect.stringMatching(/^circuit breaker opened after 2 failures in a row: .* for 60 s,/),
      }),
    ]);
    expect(stack.client.circuitBreaker!.state()).toBe('closed');
  });
});
