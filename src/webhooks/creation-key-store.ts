/**
 * What `createJob`'s idempotency key asks of durable storage (src/resolvers/create-job-once.ts uses
 * it): one record per caller and key, in the gateway's database beside the webhook tables, so that
 * every instance sees a key any instance recorded. A record says where the creation is: under way,
 * done (with the provider's job id), or its answer lost (`unknown`: the job may or may not exist).
 *
 * What a row keeps (store/creation-keys.ts): the caller's scope, a hash of provider, account and
 * token (never the token); the key as sent; a SHA-256 of the job's input; the state and job id; the
 * expiry. A creation refused for certain (nothing was created) deletes its row: the key may be sent again.
 */
import type { ProviderName } from '../providers/provider-name.js';

/** One caller's key. */
export interface CreationKey {
  provider: ProviderName;
  /** The caller (a hash of provider, account and token). */
  scope: string;
  key: string;
}

/** What a claim found: the key now this request's to create with, or how an earlier request left it. */
export type CreationClaim =
  | { kind: 'claimed' }
  | { kind: 'created'; jobId: string }
  | { kind: 'creating'; since: Date }
  | { kind: 'unknown' }
  | { kind: 'other-input' };

/** How a claimed creation ended: the job made, its answer lost, or refused for certain (nothing made). */
export type CreationOutcome = { kind: 'created'; jobId: string } | { kind: 'unknown' } | { kind: 'refused' };

export interface CreationKeyStore {
  /**
   * Records `key` as under way with `inputHash` until `expiresAt`, unless a record of it lives at
   * `now`: then answers that record (`other-input` when its input hash differs), changing nothing.
   * An expired record is replaced; a bounded batch of other expired records is deleted in the same go.
   */
  claimCreationKey(key: CreationKey, inputHash: string, now: Date, expiresAt: Date): Promise<CreationClaim>;
  /** Records how the claimed creation ended (`refused` deletes the record). */
  finishCreationKey(key: CreationKey, outcome: CreationOutcome, now: Date): Promise<void>;
}
