/**
 * What the gateway's own download links ask of durable storage (src/resolvers/download-link.ts makes
 * them, src/server/use-downloads.ts serves them): on Together, whose download endpoint answers only
 * to the account's key, a link `<gateway>/downloads/<grant>` stands for one caller's right to one
 * job's weights until it expires. The grants live in the gateway's database, beside the webhook
 * tables and sealed with the same key, so that every instance serves a link any instance made.
 *
 * What a row keeps (store/download-grants.ts): the SHA-256 of the grant's id, never the id in the
 * clear (a dump of the database gives no working link); the caller's key, sealed; the grant's id,
 * sealed, only so that asking again hands out the same link; the path and query the gateway built
 * for the upstream (never a caller's input: the request goes to the configured origin only); the
 * account's fingerprint, the job, the artifact and the expiry.
 */
import type { ProviderName } from '../providers/provider-name.js';
import type { BearerCredentials } from '../upstream/types.js';

/** Which weights a grant serves, and to whose account. */
export interface DownloadGrantKey {
  provider: ProviderName;
  /** The account's fingerprint (a WebhookOwner's `ownerKey`): a grant is reused only for the same key. */
  ownerKey: string;
  /** The provider's own job id (`ft-…`). */
  jobId: string;
  /** `adapter` (LoRA) or `merged` (full training's only weights). */
  artifact: 'adapter' | 'merged';
  /** A saved checkpoint's step; null for the final weights. */
  step: number | null;
}

export interface NewDownloadGrant extends DownloadGrantKey {
  /** Path and query below the configured origin, built by the gateway from the job and the artifact. */
  upstreamPath: string;
  /** The caller's, sealed at rest; opened only to fetch the download. */
  credentials: BearerCredentials;
  expiresAt: Date;
}

/** A grant as its link names it. */
export interface IssuedDownloadGrant {
  /** 256 random bits, base64url (43 characters): the link's last segment. */
  id: string;
  expiresAt: Date;
}

export interface OpenedDownloadGrant extends DownloadGrantKey {
  upstreamPath: string;
  credentials: BearerCredentials;
  expiresAt: Date;
}

/** A link looked up: what it serves, or why it serves nothing (no such grant, or one past its expiry). */
export type DownloadGrantLookup =
  { kind: 'valid'; grant: OpenedDownloadGrant } | { kind: 'unknown' } | { kind: 'expired' };

export interface DownloadGrantStore {
  /**
   * Stores a new grant and answers its id. Deletes, in the same go, a bounded batch of grants expired
   * for longer than the store keeps them (a day, store/download-grants.ts `EXPIRED_KEPT_MS`; the oldest
   * first), so that the table holds little more than the grants alive and the recently expired.
   */
  issueDownloadGrant(grant: NewDownloadGrant, now: Date): Promise<IssuedDownloadGrant>;
  /** The newest grant of `key` still valid after `until`, or null (a grant sealed under another key is passed over). */
  reusableDownloadGrant(key: DownloadGrantKey, until: Date): Promise<IssuedDownloadGrant | null>;
  /**
   * The grant of the link id `id` at `now`. An expired grant is `expired` on every read for a day
   * after its expiry (its sealed key wiped at the first), then deleted as it is read (`unknown`); an id
   * of no grant, or a grant that does not open under the key in force, is `unknown` (the latter deleted).
   */
  openDownloadGrant(id: string, now: Date): Promise<DownloadGrantLookup>;
}
