/**
 * From rows to what the store answers, and the sealing contexts of an endpoint's secret columns (the
 * endpoint id and the field: a sealed value moved to another row or column does not open there).
 */
import type { Selectable } from 'kysely';
import type { CallCredentials } from '../../upstream/types.js';
import type { WebhookEventType } from '../events.js';
import type { Sealer } from '../seal.js';
import type { ProviderName } from '../../providers/provider-name.js';
import type { AttemptResult, StoredAttempt, StoredDelivery, StoredEndpoint } from '../webhook-store.js';
import type { AttemptsTable, DeliveriesTable, EndpointsTable, PreviousSecret } from './tables.js';

export const secretContext = (endpointId: string) => `webhook endpoint ${endpointId} signing secret`;
export const credentialsContext = (endpointId: string) => `webhook endpoint ${endpointId} credentials`;

export function toEndpoint(row: Selectable<EndpointsTable>): StoredEndpoint {
  return {
    id: row.id,
    provider: row.provider as ProviderName,
    ownerKey: row.owner_key,
    url: row.url,
    events: row.events as WebhookEventType[],
    description: row.description,
    enabled: row.enabled,
    state: row.state,
    stateReason: row.state_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

export function toDelivery(row: Selectable<DeliveriesTable>): StoredDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    type: row.type as WebhookEventType,
    jobId: row.job_id,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    lastResponseCode: row.last_response_code,
    createdAt: row.created_at,
    body: row.body,
  };
}

/** A 2xx is delivered (send-webhook.ts); any other answer, or none, failed; no outcome at all, interrupted. */
function resultOf(row: Selectable<AttemptsTable>): AttemptResult {
  if (row.interrupted) return 'interrupted';
  const code = row.response_code;
  return code !== null && code >= 200 && code < 300 ? 'delivered' : 'failed';
}

export function toAttempt(row: Selectable<AttemptsTable>): StoredAttempt {
  return {
    number: row.number,
    outcome: resultOf(row),
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    responseCode: row.response_code,
    error: row.error,
  };
}

/** What `openSecrets` reads of an endpoint's row. */
type SecretColumns = Pick<
  EndpointsTable,
  'id' | 'sealed_secret' | 'sealed_previous_secret' | 'previous_secret_expires_at'
> & { previous_secrets: PreviousSecret[] };

/**
 * The previous secrets still in force at `now`, newest first, as sealed: those of `previous_secrets`
 * whose grace lasts, and the single column's too when it names one that list lacks (an instance older
 * than the list rotated the secret: migrations.ts).
 */
export function previousInForce(row: SecretColumns, now: Date): PreviousSecret[] {
  const listed = (row.previous_secrets ?? []).filter((previous) => previous.expiresAtMs > now.getTime());
  const single = row.sealed_previous_secret;
  const until = row.previous_secret_expires_at;
  if (single && until && until > now && !listed.some((previous) => previous.sealed === single))
    listed.unshift({ sealed: single, expiresAtMs: until.getTime() });
  return listed.sort((a, b) => b.expiresAtMs - a.expiresAtMs);
}

/** The signing secrets in force at `now`: the current one first, then each previous one whose grace lasts, newest first. */
export function openSecrets(sealer: Sealer, row: SecretColumns, now: Date): string[] {
  const context = secretContext(row.id);
  return [
    sealer.open(row.sealed_secret, context),
    ...previousInForce(row, now).map((previous) => sealer.open(previous.sealed, context)),
  ];
}

export function openCredentials(
  sealer: Sealer,
  row: Pick<EndpointsTable, 'id' | 'sealed_credentials'>,
): CallCredentials {
  const parsed = JSON.parse(sealer.open(row.sealed_credentials, credentialsContext(row.id))) as CallCredentials;
  return parsed.organizationId === undefined
    ? { token: parsed.token }
    : { token: parsed.token, organizationId: parsed.organizationId };
}

export function sealCredentials(sealer: Sealer, endpointId: string, credentials: CallCredentials): string {
  const { token, organizationId } = credentials;
  return sealer.seal(JSON.stringify({ token, organizationId }), credentialsContext(endpointId));
}
