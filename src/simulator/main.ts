/**
 * `npm run simulator`: the simulator as a program, configured from the environment.
 *   SIMULATOR_PORT (4010), SIMULATOR_HOST (127.0.0.1), SIMULATOR_JOB_SECONDS (30, job-seconds.ts),
 *   SIMULATOR_FAILURE_RATE (0), SIMULATOR_JWT_SECRET (none), SIMULATOR_MAX_UPLOAD_BYTES (50 MiB),
 *   SIMULATOR_DOWNLOAD_TTL_SECONDS (300), SIMULATOR_TENANTS (JSON array of
 *   { token, organizationId, creditUsd? }; default demo-token→demo-org, other-token→other-org),
 *   SIMULATOR_FAULTS (JSON FaultOptions), SIMULATOR_LOG_LEVEL (info),
 *   SIMULATOR_PUBLIC_ORIGIN (none: download links name the host the request used).
 * SIMULATOR_PROVIDER (nscale) picks the API: `nscale`, or `together` for Together AI's under `/v1`
 * (together/main-together.ts says which settings apply to it).
 * A bad value exits with status 2 and a message naming the variable.
 */
import pino from 'pino';
import { z } from 'zod';
import { faultOptionsSchema } from './faults.js';
import { startSimulator, type Simulator } from './index.js';
import { SIMULATOR_FAILURE_RATE } from './failure-rate.js';
import { SIMULATOR_JOB_SECONDS } from './job-seconds.js';
import { publicOriginSchema } from './options.js';
import { startTogetherFromEnv } from './together/main-together.js';

const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const envSchema = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_JOB_SECONDS,
  SIMULATOR_FAILURE_RATE,
  SIMULATOR_JWT_SECRET: z.string().min(1).optional(),
  SIMULATOR_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().optional(),
  SIMULATOR_DOWNLOAD_TTL_SECONDS: z.coerce.number().positive().optional(),
  SIMULATOR_TENANTS: json(
    z.array(
      z.object({
        token: z.string().min(1),
        organizationId: z.string().min(1),
        creditUsd: z.number().min(0).optional(),
      }),
    ),
  ).optional(),
  SIMULATOR_FAULTS: json(faultOptionsSchema).optional(),
  SIMULATOR_PUBLIC_ORIGIN: publicOriginSchema.optional(),
  SIMULATOR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIMULATOR_PROVIDER: z.enum(['nscale', 'together']).default('nscale'),
});

// Empty variables count as unset, as in most shells' `VAR= cmd` usage.
const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''));
const parsed = envSchema.safeParse(env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`simulator: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = pino({ level: config.SIMULATOR_LOG_LEVEL, name: 'simulator' });

async function startNscale(): Promise<Simulator> {
  const started = await startSimulator({
    port: config.SIMULATOR_PORT,
    host: config.SIMULATOR_HOST,
    jobSeconds: config.SIMULATOR_JOB_SECONDS,
    failureRate: config.SIMULATOR_FAILURE_RATE,
    logger,
    ...(config.SIMULATOR_JWT_SECRET !== undefined && { jwtSecret: config.SIMULATOR_JWT_SECRET }),
    ...(config.SIMULATOR_MAX_UPLOAD_BYTES !== undefined && { maxUploadBytes: config.SIMULATOR_MAX_UPLOAD_BYTES }),
    ...(config.SIMULATOR_DOWNLOAD_TTL_SECONDS !== undefined && {
      downloadUrlTtlSeconds: config.SIMULATOR_DOWNLOAD_TTL_SECONDS,
    }),
    ...(config.SIMULATOR_TENANTS !== undefined && { tenants: config.SIMULATOR_TENANTS }),
    ...(config.SIMULATOR_FAULTS !== undefined && { faults: config.SIMULATOR_FAULTS }),
    ...(config.SIMULATOR_PUBLIC_ORIGIN !== undefined && { publicOrigin: config.SIMULATOR_PUBLIC_ORIGIN }),
  });
  logger.info({ apiBaseUrl: started.apiBaseUrl }, 'simulator listening');
  console.log(
    `simulator listening on ${started.apiBaseUrl} (organization base: ${started.apiBaseUrl}/organizations/{id})`,
  );
  return started;
}

const simulator =
  config.SIMULATOR_PROVIDER === 'together' ? await startTogetherFromEnv(config, logger) : await startNscale();

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'simulator stopping');
  simulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'simulator did not close cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
