/**
 * `SIMULATOR_PROVIDER=together npm run simulator`: the Together simulator configured from the same
 * SIMULATOR_* variables as the Nscale one, where they apply. SIMULATOR_TENANTS keeps its shape:
 * `organizationId` names the account the token belongs to, `creditUsd` its starting balance
 * (default $100). SIMULATOR_JWT_SECRET does not apply: Together authenticates API keys only.
 */
import type { FaultOptions } from '../faults.js';
import type { SimulatorLogger } from '../options.js';
import { startTogetherSimulator, type TogetherSimulator } from './index.js';

export interface TogetherEnv {
  SIMULATOR_PORT: number;
  SIMULATOR_HOST: string;
  SIMULATOR_JOB_SECONDS: number;
  SIMULATOR_FAILURE_RATE: number;
  SIMULATOR_JWT_SECRET?: string | undefined;
  SIMULATOR_MAX_UPLOAD_BYTES?: number | undefined;
  SIMULATOR_DOWNLOAD_TTL_SECONDS?: number | undefined;
  SIMULATOR_TENANTS?: Array<{ token: string; organizationId: string; creditUsd?: number | undefined }> | undefined;
  SIMULATOR_FAULTS?: FaultOptions | undefined;
}

export async function startTogetherFromEnv(env: TogetherEnv, logger: SimulatorLogger): Promise<TogetherSimulator> {
  if (env.SIMULATOR_JWT_SECRET !== undefined)
    logger.warn({}, 'SIMULATOR_JWT_SECRET does not apply to the Together simulator: it accepts API keys only');
  const tenants = env.SIMULATOR_TENANTS?.map((t) => ({
    token: t.token,
    accountId: t.organizationId,
    ...(t.creditUsd !== undefined && { balanceUsd: t.creditUsd }),
  }));
  const simulator = await startTogetherSimulator({
    port: env.SIMULATOR_PORT,
    host: env.SIMULATOR_HOST,
    jobSeconds: env.SIMULATOR_JOB_SECONDS,
    failureRate: env.SIMULATOR_FAILURE_RATE,
    logger,
    ...(env.SIMULATOR_MAX_UPLOAD_BYTES !== undefined && { maxUploadBytes: env.SIMULATOR_MAX_UPLOAD_BYTES }),
    ...(env.SIMULATOR_DOWNLOAD_TTL_SECONDS !== undefined && {
      downloadUrlTtlSeconds: env.SIMULATOR_DOWNLOAD_TTL_SECONDS,
    }),
    ...(tenants !== undefined && { tenants }),
    ...(env.SIMULATOR_FAULTS !== undefined && { faults: env.SIMULATOR_FAULTS }),
  });
  logger.info({ apiBaseUrl: simulator.apiBaseUrl, provider: 'together' }, 'simulator listening');
  console.log(
    `together simulator listening on ${simulator.apiBaseUrl} (the SDK's baseURL; files.upload also reads TOGETHER_API_BASE_URL)`,
  );
  return simulator;
}
