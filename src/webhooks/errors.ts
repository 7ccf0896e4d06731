/**
 * The webhook store's refusals that a caller may see, coded in the gateway's vocabulary
 * (src/errors/error-code.ts), with messages that name the setting or the rule.
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';

/** The owner already has as many endpoints as WEBHOOK_MAX_ENDPOINTS allows. */
export function endpointLimitReached(limit: number): GraphQLError {
  return gatewayError(
    'CONFLICT',
    `This account already has ${limit} webhook endpoints, the most this gateway allows (WEBHOOK_MAX_ENDPOINTS): delete one first.`,
    { limit },
  );
}

/**
 * PostgreSQL without WEBHOOK_ENCRYPTION_KEY: nothing secret can be stored or read. The operator's
 * setting to fix, not a fault: SERVICE_UNAVAILABLE, as an unwritable DATA_DIR is (operator trial: it
 * was an unmasked INTERNAL_SERVER_ERROR, the code the docs keep for masked faults).
 */
export function encryptionKeyMissing(): GraphQLError {
  return gatewayError(
    'SERVICE_UNAVAILABLE',
    'This gateway cannot store webhook secrets: nothing was changed. Its operator must set ' +
      'WEBHOOK_ENCRYPTION_KEY (32 random bytes as base64, e.g. `openssl rand -base64 32`).',
  );
}

/** The encryption key in force is not the one the stored endpoints were sealed with (a setting, as above). */
export function encryptionKeyMismatch(): GraphQLError {
  return gatewayError(
    'SERVICE_UNAVAILABLE',
    "This gateway's WEBHOOK_ENCRYPTION_KEY is not the key the stored webhook secrets were sealed " +
      'with: nothing was changed. Its operator must set the same key on every instance.',
  );
}

/**
 * The embedded database (DATABASE_URL unset) cannot be created or opened in DATA_DIR: a folder the
 * process may not write to (an image's app folder owned by root, a read-only root filesystem), or
 * not a folder. Names the settings, not the path (the operator's log has it and the cause).
 */
export function embeddedDatabaseUnavailable(why: 'unwritable' | 'unopened'): GraphQLError {
  const what =
    why === 'unwritable'
      ? 'cannot create its embedded webhook database: its DATA_DIR is not a folder it may write to'
      : 'cannot open its embedded webhook database in its DATA_DIR (its log says why)';
  return gatewayError(
    'SERVICE_UNAVAILABLE',
    `This gateway ${what}: nothing was changed. Its operator must set DATA_DIR to a writable folder ` +
      '(a volume), or DATABASE_URL to a PostgreSQL database.',
  );
}

/** `after` of webhookDeliveries is not a cursor it gave. */
export function badDeliveryCursor(): GraphQLError {
  return gatewayError('BAD_USER_INPUT', 'after: not a cursor returned by webhookDeliveries.', { field: 'after' });
}

/** A redelivery asked while an attempt at the delivery is in flight: its outcome is not known yet. */
export function deliveryInFlight(deliveryId: string): GraphQLError {
  return gatewayError(
    'CONFLICT',
    `delivery: ${JSON.stringify(deliveryId)} is being sent right now (an attempt is in flight): its ` +
      'outcome shows in webhookDeliveries when the attempt ends; redeliver it then if you still need to.',
    { field: 'delivery', reason: 'ATTEMPT_IN_FLIGHT' },
  );
}

/** A redelivery to an endpoint that sends nothing: switched off by its owner, or DISABLED by a 410. */
export function endpointNotSending(deliveryId: string, why: 'switched-off' | 'disabled'): GraphQLError {
  const state = why === 'switched-off' ? 'is switched off (enabled: false)' : 'is DISABLED (it answered 410 Gone)';
  return gatewayError(
    'CONFLICT',
    `delivery: ${JSON.stringify(deliveryId)} was not redelivered: its endpoint ${state}, so nothing is sent to ` +
      'it. Turn it on with updateWebhookEndpoint(input: { id, enabled: true }), then redeliver.',
    { field: 'delivery', reason: why === 'switched-off' ? 'ENDPOINT_SWITCHED_OFF' : 'ENDPOINT_DISABLED' },
  );
}

/**
 * A redelivery to an endpoint whose URL the URL policy refuses (a port or host the operator no longer
 * allows): its attempt would fail unsent. `refusal` is the policy's message (it starts with the URL).
 */
export function endpointUrlRefused(deliveryId: string, refusal: string): GraphQLError {
  return gatewayError(
    'CONFLICT',
    `delivery: ${JSON.stringify(deliveryId)} was not redelivered: this gateway's URL policy refuses its ` +
      `endpoint's URL, so nothing would be sent (${refusal}). Give the endpoint a URL the policy allows ` +
      'with updateWebhookEndpoint(input: { id, url }) first, then redeliver.',
    { field: 'delivery', reason: 'URL_REFUSED' },
  );
}
