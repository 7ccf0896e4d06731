/**
 * A gateway built by the composition root around an upstream client the spec made itself (a proxy
 * in between, a logger of its own, a method that fails): the spec keeps owning and closing that
 * client; `close()` disposes the rest (live updates, the token pool) in the root's order.
 */
import { pino, type Logger } from 'pino';
import { loadConfig, type Settings } from '../../src/config.js';
import { composeGateway, type ComposedGateway, type GatewayDeps } from '../../src/server/compose-gateway.js';
import type { UpstreamClient } from '../../src/upstream/types.js';

export interface OnClientOptions extends Partial<Pick<Settings, 'fallbackCredentials' | 'allowedHosts'>> {
  logger?: Logger;
  /** Environment variables over the settings' defaults (silent, in-process, polls every 50 ms). */
  env?: Record<string, string>;
  listen?: GatewayDeps['listen'];
}

export function gatewayOnClient(client: UpstreamClient, options: OnClientOptions = {}): Promise<ComposedGateway> {
  const settings = loadConfig({
    // Never called: the spec's client goes where the spec pointed it. A remote upstream here keeps
    // the embedded simulator and its demo fallback out.
    NSCALE_API_URL: 'http://spec-client.invalid/api/v1',
    PORT: '0',
    // A gateway that listens serves its metrics on a free port, not 9464 (specs run side by side).
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    POLL_INTERVAL_RUNNING_MS: '50',
    POLL_INTERVAL_QUEUED_MS: '50',
    POLL_INTERVAL_LIST_MS: '50',
    POLL_MAX_BACKOFF_MS: '200',
    ...options.env,
  });
  return composeGateway(
    {
      ...settings,
      ...(options.fallbackCredentials !== undefined ? { fallbackCredentials: options.fallbackCredentials } : {}),
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    },
    {
      logger: options.logger ?? pino({ level: 'silent' }),
      upstreamClient: () => ({ ...client, close: async () => {}, circuitBreaker: null }),
      listen: options.listen ?? false,
    },
  );
}
