/**
 * `createJob`'s idempotency keys (src/resolvers/create-job-once.ts), for the composition root
 * (build-backends.ts): their records are kept in the database the webhooks use (the same store, its
 * outages answered as SERVICE_UNAVAILABLE), so they exist only where that store does. A caller is
 * scoped as the response cache scopes it (cache-identity.ts: a hash of provider, account and token),
 * so that two callers' keys never meet and no token is stored.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { CreationKeys } from '../resolvers/create-job-once.js';
import { withStoreUnavailable } from '../webhooks/store-unavailable.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';
import { cacheIdentity } from './response-cache/cache-identity.js';

/** Beyond the upstream deadline, how long a creation recorded as under way is still waited for (an instance's stop, a slow write). */
const STALE_MARGIN_MS = 60_000;

export function buildCreationKeys(
  settings: Pick<Settings, 'upstreamDeadlineMs'>,
  store: WebhookStore | null,
  now: () => number,
  logger: Logger,
): CreationKeys | null {
  if (!store) return null;
  const staleAfterMs = settings.upstreamDeadlineMs + STALE_MARGIN_MS;
  return {
    store: withStoreUnavailable(store),
    scopeOf: (provider, credentials) => cacheIdentity(provider, credentials).session,
    staleAfterMs,
    now,
    unrecorded: (record, outcome, error) =>
      logger.error(
        {
          err: error,
          provider: record.provider,
          outcome: outcome.kind,
          ...(outcome.kind === 'created' ? { jobId: outcome.jobId } : {}),
        },
        `createJob: how a keyed creation ended could not be recorded in the database; a retry with its ` +
          `idempotencyKey answers UPSTREAM_OUTCOME_UNKNOWN once ${Math.round(staleAfterMs / 1000)} s have passed`,
      ),
  };
}
