/**
 * What stands between a request and its execution, built from the settings: the per-caller rate
 * limit (counted in Redis when the root hands over a connection), the APQ store, and the trusted
 * documents read from TRUSTED_DOCUMENTS_FILE. Throws, naming the setting, when the file is bad.
 */
import type { Redis } from 'ioredis';
import type { Settings } from '../config.js';
import { createBoundedDocumentStore } from './use-automatic-persisted-queries.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import { loadTrustedDocuments } from './load-trusted-documents.js';

export async function startOperationGuards(
  settings: Pick<Settings, 'persistedOperations' | 'rateLimit' | 'rateLimitCallers'>,
  redis: Redis | null,
): Promise<OperationGuardParts> {
  const { persistedOperations: po, rateLimit: limit } = settings;
  const trustedDocuments = po.trustedDocumentsFile ? await loadTrustedDocuments(po.trustedDocumentsFile) : null;
  return {
    // rate-limiter-flexible is loaded only when a limit is configured (it is off by default).
    rateLimit: limit
      ? (await import('./create-rate-limit.js')).createRateLimit({ ...limit, ...settings.rateLimitCallers, redis })
      : null,
    apqStore: po.apq && !trustedDocuments ? createBoundedDocumentStore(po.apq) : null,
    trustedDocuments,
  };
}
