/**
 * Options of `startSimulator`, each documented with its default where it is declared, and their
 * resolution into one validated, fully defaulted value. A bad option throws at start, naming it.
 */
import { z } from 'zod';
import { DEFAULT_PRICE_PER_MILLION_TOKENS } from '../contract/pricing.js';
import { faultOptionsSchema, type FaultOptions } from './faults.js';
import { systemClock } from './timestamps.js';

export interface TenantOption {
  /** Bearer token that authenticates as `organizationId`. Several tenants may share one organization. */
  token: string;
  organizationId: string;
  /** Credit in USD; jobs are refused (402) once their estimate exceeds what is left. @default unlimited */
  creditUsd?: number;
}

/** Subset of pino's Logger, so a pino logger can be passed as is. */
export interface SimulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SimulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Seconds from a job's creation to its completion (10% queued, 10% starting, 80% running). @default 120 */
  jobSeconds?: number;
  /** Share of jobs that fail while running, decided per job from its id. @default 0 */
  failureRate?: number;
  /** @default [{ token: 'demo-token', organizationId: 'demo-org' }, { token: 'other-token', organizationId: 'other-org' }] */
  tenants?: TenantOption[];
  /**
   * Secret of HS256 JWTs accepted besides the tenants' tokens; their `organization_id` claim names
   * the org. @default none (JWTs refused)
   */
  jwtSecret?: string;
  /** USD per million tokens by base-model id, merged over the default table. @default DEFAULT_PRICE_PER_MILLION_TOKENS */
  pricePerMillionTokens?: Record<string, number>;
  /** Largest accepted upload; larger ones get 413. @default 50 MiB */
  maxUploadBytes?: number;
  /** Lifetime of the URLs `GET /jobs/{id}/download` redirects to. @default 300 */
  downloadUrlTtlSeconds?: number;
  /**
   * Origin the download links name (`http://localhost:4010`), for clients that reach the simulator by
   * another name than its API callers (compose: the gateway calls `simulator:4010`, a browser cannot).
   * @default the Host of the request that asks for the link
   */
  publicOrigin?: string;
  /** Faults active from the start; change them with `setFaults` or `POST /__admin/faults`. @default none */
  faults?: FaultOptions;
  /** Milliseconds since the epoch; drives job lifecycles, JWT expiry and download expiry. @default wall clock */
  now?: () => number;
  /** Receives one line per request (method, route, status, ms) and errors; never tokens or bodies. @default silent */
  logger?: SimulatorLogger;
}

export const DEFAULT_TENANTS: readonly TenantOption[] = [
  { token: 'demo-token', organizationId: 'demo-org' },
  { token: 'other-token', organizationId: 'other-org' },
];

const tenantSchema = z.object({
  token: z.string().min(1),
  organizationId: z.string().min(1),
  creditUsd: z.number().min(0).optional(),
});

/** `http(s)://host[:port]`, nothing after it; a trailing slash is dropped. */
export const publicOriginSchema = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) origin such as http://localhost:4010' })
  .refine((value) => !URL.canParse(value) || new URL(value).href === `${new URL(value).origin}/`, {
    message: 'must be an origin (scheme, host and port), without a path, query or credentials',
  })
  .transform((value) => new URL(value).origin);

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  jobSeconds: z.number().positive().default(120),
  failureRate: z.number().min(0).max(1).default(0),
  tenants: z.array(tenantSchema).default(() => DEFAULT_TENANTS.map((t) => ({ ...t }))),
  jwtSecret: z.string().min(1).optional(),
  pricePerMillionTokens: z.record(z.string(), z.number().min(0)).default({}),
  maxUploadBytes: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  downloadUrlTtlSeconds: z.number().positive().default(300),
  publicOrigin: publicOriginSchema.optional(),
  faults: faultOptionsSchema.default({}),
});

export type ResolvedOptions = z.output<typeof optionsSchema> & {
  now: () => number;
  logger: SimulatorLogger;
};

const silent: SimulatorLogger = { info() {}, warn() {}, error() {} };

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  const { now, logger, ...data } = options;
  const parsed = optionsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`simulator option ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    ...parsed.data,
    pricePerMillionTokens: { ...DEFAULT_PRICE_PER_MILLION_TOKENS, ...parsed.data.pricePerMillionTokens },
    now: now ?? systemClock,
    logger: logger ?? silent,
  };
}
