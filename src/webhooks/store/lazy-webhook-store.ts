/**
 * The embedded database, opened on first use: PGlite costs seconds and hundreds of megabytes to open,
 * so a gateway whose DATA_DIR holds no database yet does not open one at start. Until an endpoint is
 * created there is nothing to read, so every other method answers what an empty database would
 * (the watcher's and the sender's periodic reads then cost nothing); the first `createEndpoint`,
 * `issueDownloadGrant` (the first download link on Together) or `claimCreationKey` (the first
 * `createJob` with an idempotency key; the keys' other methods only ever follow a claim) opens it,
 * and from then on every call goes to it. Imports no database code itself.
 */
import type { WebhookStore } from '../webhook-store.js';

type Reader = Exclude<keyof WebhookStore, 'createEndpoint' | 'issueDownloadGrant' | 'claimCreationKey' | 'close'>;

/** What each method answers while no database exists: what it would answer on an empty one. */
const EMPTY: { [K in Reader]: () => Awaited<ReturnType<WebhookStore[K]>> } = {
  listEndpoints: () => [],
  getEndpoint: () => null,
  updateEndpoint: () => null,
  rotateSecret: () => null,
  deleteEndpoint: () => false,
  watchedEndpoints: () => [],
  signingSecrets: () => null,
  pauseEndpoint: () => undefined,
  recordJob: () => [],
  unfinishedJobIds: () => [],
  claimDue: () => [],
  finishAttempt: () => false,
  releaseClaims: () => 0,
  listDeliveries: () => ({ deliveries: [], cursors: [], endCursor: null }),
  attempts: () => [],
  redeliver: () => null,
  pruneDeliveries: () => 0,
  endpointCount: () => 0,
  endpointUrls: () => [],
  dueBacklog: () => ({ due: 0, oldestDueAt: null }),
  pendingBacklog: () => ({ pending: 0, oldestPendingAt: null }),
  reusableDownloadGrant: () => null,
  openDownloadGrant: () => ({ kind: 'unknown' }),
  // Only ever after a claim, which opened the database.
  finishCreationKey: () => undefined,
  settleCreationKey: () => false,
  retakeCreationKey: () => false,
  jobsOfOtherKeys: () => [],
};

export function lazyWebhookStore(open: () => Promise<WebhookStore>): WebhookStore {
  let opening: Promise<WebhookStore> | null = null;
  let closed = false;
  const opened = () => {
    if (closed) return Promise.reject(new Error('the webhook store is closed'));
    // A failed open is not kept: the next use tries again (and reports again).
    opening ??= open().catch((error: unknown) => {
      opening = null;
      throw error;
    });
    return opening;
  };
  const readers = Object.fromEntries(
    (Object.keys(EMPTY) as Reader[]).map((name) => [
      name,
      async (...args: unknown[]) => {
        if (!opening) return EMPTY[name]();
        const store = await opening;
        return (store[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as Pick<WebhookStore, Reader>;
  return {
    ...readers,
    createEndpoint: async (input, limit, now) => (await opened()).createEndpoint(input, limit, now),
    issueDownloadGrant: async (grant, now) => (await opened()).issueDownloadGrant(grant, now),
    claimCreationKey: async (key, hash, now, expiresAt) => (await opened()).claimCreationKey(key, hash, now, expiresAt),
    async close() {
      closed = true;
      const store = await opening?.catch(() => null);
      await store?.close();
    },
  };
}
