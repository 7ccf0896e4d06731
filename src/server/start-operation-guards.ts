/**
 * What stands between a request and its execution, built from the settings: the per-caller rate
 * limit (counted in Redis when the root hands over a connection, under the deployment's realm with
 * tokens keyed by REDIS_MESSAGE_SECRET: rate-limit-key.ts), the APQ store, and the trusted
 * documents read from TRUSTED_DOCUMENTS_FILE. Throws, naming the setting, when the file is bad.
 */
import type { Redis } from 'ioredis';
import type { Settings } from '../config.js';
import { rateLimitKeySecret } from './rate-limit-key.js';
import { createBoundedDocumentStore } from './use-automatic-persisted-queries.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import { loadTrustedDocuments } from './load-trusted-documents.js';

/** The rate limit's Redis connection and the deployment's share of that Redis (redis-realm.ts). */
export interface RateLimitRedis {
  client: Redis;
  realm: string;
}

export async function startOperationGuards(
  settings: Pick<Settings, 'persistedOperations' | 'rateLimit' | 'rateLimitCallers' | 'redisMessageSecret'>,
  redis: RateLimitRedis | null,
): Promise<OperationGuardParts> {
  const { persistedOperations: po, rateLimit: limit } = settings;
  const trustedDocuments = po.trustedDocumentsFile ? await loadTrustedDocuments(po.trustedDocumentsFile) : null;
  const shared = redis && {
    redis: redis.client,
    keyPrefix: `ftgw:rl:${redis.realm}`,
    tokenSecret: rateLimitKeySecret({ messageSecret: settings.redisMessageSecret, realm: redis.realm }),
  };
  return {
    // rate-limiter-flexible is loaded only when a limit is configured (it is off by default).
    rateLimit: limit
      ? (await import('./create-rate-limit.js')).createRateLimit({
          ...limit,
          ...settings.rateLimitCallers,
          ...shared,
        })
      : null,
    apqStore: po.apq && !trustedDocuments ? createBoundedDocumentStore(po.apq) : null,
    trustedDocuments,
  };
}
