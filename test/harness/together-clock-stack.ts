/**
 * The common setup of the Together specs on a manual clock, in one call: a stack (see stack.ts) whose
 * Together simulator and gateway run on a manual clock (manual-clock.ts), a tenant of the spec's own on
 * that simulator, and the stack closed after the file. Requests go as that tenant with `x-provider:
 * together`: counted (`ask`, response-cache.ts) or subscribed to over SSE (sse.ts). Call at the top
 * level of a spec file.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Credentials } from '../../src/upstream/types.js';
import { manualClock, type ManualClock } from './manual-clock.js';
import { ask, type Answer } from './response-cache.js';
import { subscribeSse, type SseEvents } from './sse.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

export interface TogetherClockFixture {
  /** Set once the file's `beforeAll` has run. */
  readonly stack: Stack;
  /** The Together simulator's clock, and the gateway's: a job stays where the test holds it (`clock.at(job, 0.5)`). */
  readonly clock: ManualClock;
  /** The tenant's key: its token, and no organization (Together has none). */
  readonly key: Credentials;
  /** The tenant's headers as a Together caller (createTogetherJob's): its key and `x-provider: together`. */
  readonly headers: Record<string, string>;
  /** Runs `query` in-process as the tenant on Together, counting its calls to the Together simulator. */
  onTogether(query: string, variables?: Record<string, unknown>): Promise<Answer>;
  /** Subscribes to `query` in-process over SSE as the tenant on Together. */
  watch(query: string, variables?: Record<string, unknown>): SseEvents;
}

export interface TogetherClockOptions extends Omit<StackOptions, 'togetherSimulator' | 'sharedSimulator'> {
  /** The tenant's token, the spec's own. */
  token: string;
  /** Simulated length of a job. */
  jobSeconds: number;
  /** Puts the Nscale simulator on the clock too (`simulator` options over it). @default false */
  nscaleOnClock?: boolean;
}

export function useTogetherClockStack(options: TogetherClockOptions): TogetherClockFixture {
  const { token, jobSeconds, nscaleOnClock = false, ...stackOptions } = options;
  const clock = manualClock(jobSeconds);
  const key: Credentials = { token, organizationId: '' };
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startStack({
      ...stackOptions,
      ...(nscaleOnClock ? { simulator: { jobSeconds, now: clock.now, ...stackOptions.simulator } } : {}),
      togetherSimulator: { jobSeconds, now: clock.now, tenants: [{ token, accountId: 'tg' }] },
      // The gateway's own clock (what `estimatedSecondsLeft` counts from) is the simulator's.
      gateway: { now: clock.now, ...stackOptions.gateway },
    });
  });
  afterAll(() => stack?.close());

  const ready = (): Stack => {
    if (stack === undefined) throw new Error('useTogetherClockStack: the stack is started in beforeAll');
    return stack;
  };
  const fetchIn = (url: string, init: RequestInit) =>
    Promise.resolve(
      ready().gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), 'x-provider': 'together' } }),
    );
  return {
    get stack() {
      return ready();
    },
    clock,
    key,
    headers: { authorization: `Bearer ${token}`, 'x-provider': 'together' },
    onTogether: (query, variables = {}) =>
      ask(ready(), query, variables, key, {
        headers: { 'x-provider': 'together' },
        upstream: ready().togetherSimulator!,
      }),
    watch: (query, variables = {}) => subscribeSse(fetchIn, 'http://localhost', query, variables, key),
  };
}
