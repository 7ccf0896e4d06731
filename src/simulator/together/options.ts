/**
 * Options of `startTogetherSimulator`, each documented with its default where it is declared, and
 * their resolution into one validated, fully defaulted value. A bad option throws at start, naming it.
 */
import { z } from 'zod';
import { faultOptionsSchema, type FaultOptions } from '../faults.js';
import type { SimulatorLogger } from '../options.js';
import { systemClock } from '../timestamps.js';

export interface TogetherTenantOption {
  /** Bearer token (a Together API key) that authenticates as `accountId`. Several tokens may share one account. */
  token: string;
  accountId: string;
  /** The account's starting credit in USD, if not `startingBalanceUsd`. */
  balanceUsd?: number;
}

export interface TogetherSimulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Seconds from a fine-tune's creation to its completion, for a job that trains all its steps. @default 120 */
  jobSeconds?: number;
  /** Share of jobs that end in `error` while running, decided per job from its id. @default 0 */
  failureRate?: number;
  /** @default [{ token: 'demo-token', accountId: 'demo' }, { token: 'other-token', accountId: 'other' }] */
  tenants?: TogetherTenantOption[];
  /** Credit in USD of an account whose tenant names none. @default 100 */
  startingBalanceUsd?: number;
  /** Largest accepted data file; larger ones get 413. @default 50 MiB */
  maxUploadBytes?: number;
  /** Lifetime of the upload and download URLs the simulator hands out. @default 300 */
  downloadUrlTtlSeconds?: number;
  /** Faults active from the start; change them with `setFaults` or `POST /__admin/faults`. @default none */
  faults?: FaultOptions;
  /** Milliseconds since the epoch; drives job lifecycles, balances and link expiry. @default wall clock */
  now?: () => number;
  /** Receives one line per request (method, route, status, ms) and errors; never tokens or bodies. @default silent */
  logger?: SimulatorLogger;
}

const DEFAULT_TOGETHER_TENANTS: readonly TogetherTenantOption[] = [
  { token: 'demo-token', accountId: 'demo' },
  { token: 'other-token', accountId: 'other' },
];

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  jobSeconds: z.number().positive().default(120),
  failureRate: z.number().min(0).max(1).default(0),
  tenants: z
    .array(
      z.object({ token: z.string().min(1), accountId: z.string().min(1), balanceUsd: z.number().min(0).optional() }),
    )
    .default(() => DEFAULT_TOGETHER_TENANTS.map((t) => ({ ...t }))),
  startingBalanceUsd: z.number().min(0).default(100),
  maxUploadBytes: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  downloadUrlTtlSeconds: z.number().positive().default(300),
  faults: faultOptionsSchema.default({}),
});

export type ResolvedTogetherOptions = z.output<typeof optionsSchema> & { now: () => number; logger: SimulatorLogger };

const silent: SimulatorLogger = { info() {}, warn() {}, error() {} };

export function resolveTogetherOptions(options: TogetherSimulatorOptions = {}): ResolvedTogetherOptions {
  const { now, logger, ...data } = options;
  const parsed = optionsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`together simulator option ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...parsed.data, now: now ?? systemClock, logger: logger ?? silent };
}
