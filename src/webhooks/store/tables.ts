/**
 * The webhook tables, and the download grants that share their database and key, as Kysely sees them
 * (what migrations.ts creates). Sealed columns hold seal.ts's text form, never a secret in the clear.
 */
import type { ColumnType, Generated } from 'kysely';
import type { DeliveryState, EndpointState } from '../webhook-store.js';

/** A secret rotated away: sealed as it was (same endpoint, same context), and until when it signs. */
export interface PreviousSecret {
  sealed: string;
  /** Milliseconds since the epoch. */
  expiresAtMs: number;
}

export interface EndpointsTable {
  id: string;
  provider: string;
  owner_key: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  state: EndpointState;
  state_reason: string | null;
  sealed_secret: string;
  /** The newest of `previous_secrets`, also kept here for instances older than that column. */
  sealed_previous_secret: string | null;
  /** When the newest previous secret stops signing: the last of `previous_secrets`' expiries. */
  previous_secret_expires_at: Date | null;
  /** The secrets rotated away that may still sign, newest first (JSON; drivers hand it back parsed). */
  previous_secrets: ColumnType<PreviousSecret[], string, string>;
  sealed_credentials: string;
  created_at: Date;
  updated_at: Date;
}

/** What each endpoint last saw of each of its owner's jobs: the `previous` of the next move. */
export interface JobStatusesTable {
  endpoint_id: string;
  job_id: string;
  status: string;
  updated_at: Date;
}

export interface DeliveriesTable {
  /** The `webhook-id`, deterministic (delivery-id.ts). */
  id: string;
  /** Insertion order, for paging newest first; int8, which drivers may hand back as text. */
  seq: ColumnType<string | number | bigint, never, never>;
  endpoint_id: string;
  job_id: string;
  type: string;
  previous_status: string | null;
  job_status: string;
  state: DeliveryState;
  attempt_count: Generated<number>;
  next_attempt_at: Date | null;
  lease_owner: string | null;
  lease_value: string | null;
  lease_expires_at: Date | null;
  /** When the attempt under the current lease began (its claim); null before the first, or from an older instance. */
  attempt_started_at: Date | null;
  /** Of `attempt_count`, the attempts that ended with no outcome (their instance stopped): the retry schedule skips them. */
  interrupted_attempts: Generated<number>;
  last_response_code: number | null;
  body: string;
  created_at: Date;
}

export interface AttemptsTable {
  delivery_id: string;
  number: number;
  started_at: Date;
  duration_ms: number;
  response_code: number | null;
  error: string | null;
  /** No outcome: the claim of an expired lease recorded it (claim-due.ts). */
  interrupted: Generated<boolean>;
}

/** One row: a constant sealed under the key in force, so that an instance with another key is told at start. */
export interface KeyCheckTable {
  id: number;
  sealed_check: string;
  updated_at: Date;
}

/** A download link of the gateway (download-grants.ts): never the grant's id nor the key in the clear. */
export interface DownloadGrantsTable {
  /** SHA-256 (hex) of the grant's id, the link's last segment. */
  grant_hash: string;
  provider: string;
  /** The account's fingerprint (as an endpoint's `owner_key`): whose key the grant fetches with. */
  owner_key: string;
  /** The provider's own job id (`ft-…`). */
  job_id: string;
  artifact: 'adapter' | 'merged';
  /** A saved checkpoint's step; null for the final weights. */
  step: number | null;
  /** Path and query below the configured origin, built by the gateway (`/v1/finetune/download?ft_id=…`). */
  upstream_path: string;
  sealed_credentials: string;
  /** The grant's id, sealed: read back only to hand the same link to the same caller again. */
  sealed_id: string;
  created_at: Date;
  expires_at: Date;
}

/** A createJob's idempotency key (creation-keys.ts): never the caller's token, only its scope's hash. */
export interface CreationKeysTable {
  /** The caller: a hash of provider, account and token (the response cache's caller identity). */
  scope: string;
  idempotency_key: string;
  provider: string;
  /** SHA-256 (hex) of the job's input as the caller sent it, the key left out. */
  input_hash: string;
  state: 'creating' | 'created' | 'unknown';
  /** The provider's own job id, once created. */
  job_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

export interface WebhookTables {
  webhook_endpoints: EndpointsTable;
  webhook_job_statuses: JobStatusesTable;
  webhook_deliveries: DeliveriesTable;
  webhook_attempts: AttemptsTable;
  webhook_key_check: KeyCheckTable;
  download_grants: DownloadGrantsTable;
  creation_keys: CreationKeysTable;
}
