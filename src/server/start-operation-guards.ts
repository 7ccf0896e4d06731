/**
 * What stands between a request and its execution, built from the configuration: the switches, the
 * per-caller rate limit (with its own Redis connection when REDIS_URL is set), the APQ store, and the
 * trusted documents read from TRUSTED_DOCUMENTS_FILE. Throws, naming the setting, when the file is bad.
 */
import type { GatewayConfig } from '../config.js';
import { createBoundedDocumentStore } from './use-automatic-persisted-queries.js';
import { connectRedis } from './connect-redis.js';
import type { GatewayOptions } from './gateway.js';
import { loadTrustedDocuments } from './load-trusted-documents.js';

export interface OperationGuards {
  gatewayOptions: Pick<GatewayOptions, 'switches' | 'rateLimit' | 'apqStore' | 'trustedDocuments'>;
  close(): Promise<void>;
}

export async function startOperationGuards(config: GatewayConfig): Promise<OperationGuards> {
  const { persistedOperations: po, rateLimit: limit } = config;
  const trustedDocuments = po.trustedDocumentsFile ? await loadTrustedDocuments(po.trustedDocumentsFile) : null;
  // A failing Redis must not hold up requests: commands fail fast and the limit falls back to memory.
  const redis =
    limit && config.redisUrl
      ? connectRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
      : null;
  redis?.on('error', () => {}); // Reported by the live-updates connection; here the memory fallback covers it.
  return {
    gatewayOptions: {
      switches: config.switches,
      // rate-limiter-flexible is loaded only when a limit is configured (it is off by default).
      rateLimit: limit
        ? (await import('./create-rate-limit.js')).createRateLimit({
            points: limit.points,
            windowSeconds: limit.windowSeconds,
            trustProxy: limit.trustProxy,
            redis,
          })
        : null,
      apqStore: po.apq && !trustedDocuments ? createBoundedDocumentStore(po.apq) : null,
      trustedDocuments,
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
