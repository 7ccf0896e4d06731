/**
 * The WebhookStore over Kysely: one implementation for PostgreSQL and PGlite alike (the queries are
 * PostgreSQL's, the dialect only carries them), the download grants' and the creation keys' included. Built by open-store.ts
 * once the schema is migrated.
 */
import type { WebhookStore } from '../webhook-store.js';
import { claimDue, dueBacklog, releaseClaims } from './claim-due.js';
import {
  claimCreationKey,
  finishCreationKey,
  jobsOfOtherKeys,
  retakeCreationKey,
  settleCreationKey,
} from './creation-keys.js';
import { attempts, listDeliveries, redeliver } from './delivery-reads.js';
import { issueDownloadGrant, openDownloadGrant, reusableDownloadGrant } from './download-grants.js';
import { finishAttempt } from './finish-attempt.js';
import {
  createEndpoint,
  deleteEndpoint,
  endpointCount,
  endpointUrls,
  getEndpoint,
  listEndpoints,
  pauseEndpoint,
  rotateSecret,
  signingSecrets,
  updateEndpoint,
  watchedEndpoints,
} from './endpoint-queries.js';
import { pendingBacklog } from './pending-backlog.js';
import { pruneDeliveries } from './prune-deliveries.js';
import { recordJob, unfinishedJobIds } from './record-job.js';
import type { StoreContext } from './store-context.js';

export function createKyselyWebhookStore(ctx: StoreContext, onClose: () => Promise<void>): WebhookStore {
  let closing: Promise<void> | null = null;
  return {
    createEndpoint: (input, limit, now) => createEndpoint(ctx, input, limit, now),
    listEndpoints: (owner) => listEndpoints(ctx, owner),
    getEndpoint: (owner, id) => getEndpoint(ctx, owner, id),
    updateEndpoint: (owner, id, patch, now) => updateEndpoint(ctx, owner, id, patch, now),
    rotateSecret: (owner, id, secret, graceMs, now) => rotateSecret(ctx, owner, id, secret, graceMs, now),
    deleteEndpoint: (owner, id) => deleteEndpoint(ctx, owner, id),
    watchedEndpoints: (now) => watchedEndpoints(ctx, now),
    signingSecrets: (endpointId, now) => signingSecrets(ctx, endpointId, now),
    pauseEndpoint: (endpointId, reason, now) => pauseEndpoint(ctx, endpointId, reason, now),
    recordJob: (endpoint, job, now) => recordJob(ctx, endpoint, job, now),
    unfinishedJobIds: (endpointId, limit) => unfinishedJobIds(ctx, endpointId, limit),
    claimDue: (instanceId, limit, leaseMs, now, caps) => claimDue(ctx, instanceId, limit, leaseMs, now, caps),
    finishAttempt: (claim, outcome, now) => finishAttempt(ctx, claim, outcome, now),
    releaseClaims: (claims) => releaseClaims(ctx, claims),
    listDeliveries: (owner, endpointId, first, after) => listDeliveries(ctx, owner, endpointId, first, after),
    attempts: (owner, deliveryId) => attempts(ctx, owner, deliveryId),
    redeliver: (owner, deliveryId, now, urlRefusal) => redeliver(ctx, owner, deliveryId, now, urlRefusal),
    endpointUrls: () => endpointUrls(ctx),
    pruneDeliveries: (before, limit) => pruneDeliveries(ctx, before, limit),
    endpointCount: () => endpointCount(ctx),
    dueBacklog: (now) => dueBacklog(ctx, now),
    pendingBacklog: () => pendingBacklog(ctx),
    issueDownloadGrant: (grant, now) => issueDownloadGrant(ctx, grant, now),
    reusableDownloadGrant: (key, until) => reusableDownloadGrant(ctx, key, until),
    openDownloadGrant: (id, now) => openDownloadGrant(ctx, id, now),
    claimCreationKey: (key, inputHash, now, expiresAt) => claimCreationKey(ctx, key, inputHash, now, expiresAt),
    finishCreationKey: (key, outcome, now) => finishCreationKey(ctx, key, outcome, now),
    settleCreationKey: (key, seen, jobId, now) => settleCreationKey(ctx, key, seen, jobId, now),
    retakeCreationKey: (key, seen, now, expiresAt) => retakeCreationKey(ctx, key, seen, now, expiresAt),
    jobsOfOtherKeys: (key, jobIds) => jobsOfOtherKeys(ctx, key, jobIds),
    close: () => (closing ??= onClose()),
  };
}
