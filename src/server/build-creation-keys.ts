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

/**
 * After a creation's call ended (by its answer or by its deadline), how long before the provider's
 * list is taken to show the job if it was made, so that a retry finding none may create it: the
 * provider finishing a request the gateway already gave up on, its list catching up, and the
 * instances' clocks (a claim's time is one instance's, the retry's another's). Thirty seconds: a
 * creation is answered in well under a second, NTP keeps clocks within milliseconds, and an
 * unrecorded outcome no longer needs this margin (a retry after it finds the job on the provider).
 */
const SETTLE_MS = 30_000;

export function buildCreationKeys(
  settings: Pick<Settings, 'upstreamDeadlineMs'>,
  store: WebhookStore | null,
  now: () => number,
  logger: Logger,
): CreationKeys | null {
  if (!store) return null;
  const staleAfterMs = settings.upstreamDeadlineMs + SETTLE_MS;
  return {
    store: withStoreUnavailable(store),
    scopeOf: (provider, credentials) => cacheIdentity(provider, credentials).session,
    staleAfterMs,
    settleMs: SETTLE_MS,
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
          `idempotencyKey looks for the job on the provider once ${Math.round(staleAfterMs / 1000)} s have passed`,
      ),
  };
}
