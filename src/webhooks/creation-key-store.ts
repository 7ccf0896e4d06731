/**
 * What `createJob`'s idempotency key asks of durable storage (src/resolvers/create-job-once.ts uses
 * it): one record per caller and key, in the gateway's database beside the webhook tables, so that
 * every instance sees a key any instance recorded. A record says where the creation is: under way,
 * done (with the provider's job id), or its answer lost (`unknown`: the job may or may not exist).
 *
 * What a row keeps (store/creation-keys.ts): the caller's scope, a hash of provider, account and
 * token (never the token); the key as sent; a SHA-256 of the job's input; the state and job id; the
 * expiry. A creation refused for certain (nothing was created) deletes its row: the key may be sent again.
 * A record left under way past its deadline, or `unknown`, is settled by a retry that checked the
 * provider's jobs: moved to `created` with the job found there, or taken over (`creating` again, by the
 * retry) when there is none; each move only from the state and claim the retry read, so that of two
 * retries that read the same record only one moves it.
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
  /** Claimed at `since`; its creation's call ended (its answer lost) at `endedAt`. */
  | { kind: 'unknown'; since: Date; endedAt: Date }
  | { kind: 'other-input' };

/** A record as a claim read it, unsettled: what a move of it is conditioned on. */
export interface UnsettledKey {
  state: 'creating' | 'unknown';
  /** When it was claimed (a claim's `since`). */
  since: Date;
}

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
  /**
   * Records `key` as `created` with `jobId` (a job found on the provider), if its record is still as
   * `seen` and lives at `now`; answers whether it was.
   */
  settleCreationKey(key: CreationKey, seen: UnsettledKey, jobId: string, now: Date): Promise<boolean>;
  /**
   * Records `key` as under way again, claimed at `now` until `expiresAt` (the caller's to create with),
   * if its record is still as `seen` and lives at `now`; answers whether it was.
   */
  retakeCreationKey(key: CreationKey, seen: UnsettledKey, now: Date, expiresAt: Date): Promise<boolean>;
  /** Of `jobIds`, those recorded as created by another key of `key`'s caller. */
  jobsOfOtherKeys(key: CreationKey, jobIds: readonly string[]): Promise<string[]>;
}
