/**
 * Fault injection: latency, 500/503 errors, 429 rate limits and dropped connections, each by rate
 * (probability per request) or by count (the next N matching requests), optionally scoped to one
 * route. The top-level object is itself a rule; `rules` adds more, so that e.g. latency on every
 * route and errors on `GET /jobs/{id}` only can be set together. Setting faults replaces them all.
 */
import { z } from 'zod';

const trigger = {
  /** Probability per matching request, 0–1. @default 1 when `count` is set, else 0 */
  rate: z.number().min(0).max(1).optional(),
  /** Fire on the next `count` matching requests only, then stop. @default unlimited */
  count: z.number().int().min(0).optional(),
  /**
   * Fire after the handler ran (its state change is kept) instead of before it: the "outcome unknown"
   * case of a POST whose answer never arrives. @default false
   */
  after: z.boolean().optional(),
};

const faultRuleSchema = z.strictObject({
  /** "GET /jobs/{id}" (one method) or "/jobs/{id}" (any method). @default every API route */
  route: z.string().min(1).optional(),
  /** Added before the request is handled. @default 0 */
  latencyMs: z.number().min(0).max(60_000).optional(),
  /** Answer 500 `internal` or 503 `unavailable`. @default status 503 */
  error: z.strictObject({ ...trigger, status: z.union([z.literal(500), z.literal(503)]).optional() }).optional(),
  /** Answer 429 `resource_exhausted` with `Retry-After`. @default retryAfterSeconds 1 */
  rateLimit: z.strictObject({ ...trigger, retryAfterSeconds: z.number().int().min(0).optional() }).optional(),
  /** Destroy the socket without answering. */
  drop: z.strictObject(trigger).optional(),
});

export const faultOptionsSchema = faultRuleSchema.extend({ rules: z.array(faultRuleSchema).optional() });

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultOptions = z.infer<typeof faultOptionsSchema>;
type Trigger = { rate?: number | undefined; count?: number | undefined; after?: boolean | undefined };

export type FaultAction =
  { kind: 'drop' } | { kind: 'error'; status: 500 | 503 } | { kind: 'rateLimit'; retryAfterSeconds: number };

export interface FaultDecision {
  latencyMs: number;
  /** Replaces the handler: it never runs. */
  before: FaultAction | undefined;
  /** Replaces the handler's answer: it ran. */
  after: FaultAction | undefined;
}

export interface FaultInjector {
  set(options: FaultOptions): void;
  /** The current faults, with `count`s showing what is left of them. */
  get(): FaultOptions;
  /** What to do to one request of `METHOD /template`. Consumes counts. */
  decide(method: string, template: string): FaultDecision;
}

export function createFaultInjector(initial: FaultOptions = {}, random: () => number = Math.random): FaultInjector {
  let current: FaultOptions = structuredClone(initial);

  const rules = (): FaultRule[] => {
    const { rules: extra = [], ...top } = current;
    return [top, ...extra];
  };
  const applies = (rule: FaultRule, method: string, template: string): boolean =>
    rule.route === undefined || rule.route === `${method} ${template}` || rule.route === template;

  // A count is consumed only when the fault fires, so `{ count: 2 }` means exactly two faulted requests.
  const fires = (t: Trigger): boolean => {
    if (t.count !== undefined && t.count <= 0) return false;
    const rate = t.rate ?? (t.count !== undefined ? 1 : 0);
    if (rate <= 0 || (rate < 1 && random() >= rate)) return false;
    if (t.count !== undefined) t.count -= 1;
    return true;
  };

  return {
    set(options) {
      current = structuredClone(options);
    },
    get: () => structuredClone(current),
    decide(method, template) {
      const decision: FaultDecision = { latencyMs: 0, before: undefined, after: undefined };
      for (const rule of rules()) {
        if (!applies(rule, method, template)) continue;
        decision.latencyMs += rule.latencyMs ?? 0;
        // Order of precedence when several fire: a dropped connection, then a rate limit, then an error.
        const candidates: Array<[Trigger | undefined, () => FaultAction]> = [
          [rule.drop, () => ({ kind: 'drop' })],
          [rule.rateLimit, () => ({ kind: 'rateLimit', retryAfterSeconds: rule.rateLimit?.retryAfterSeconds ?? 1 })],
          [rule.error, () => ({ kind: 'error', status: rule.error?.status ?? 503 })],
        ];
        for (const [t, action] of candidates) {
          if (t === undefined) continue;
          const slot = t.after === true ? 'after' : 'before';
          if (decision[slot] === undefined && fires(t)) decision[slot] = action();
        }
      }
      return decision;
    },
  };
}
