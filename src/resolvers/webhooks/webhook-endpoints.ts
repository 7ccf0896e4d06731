/**
 * The webhook operations on endpoints, for a caller the upstream has accepted (webhook-caller.ts):
 * list, read, create (with the owner's jobs as the baseline, so that jobs that already exist send no
 * JOB_CREATED), update (which stores the caller's current credentials and makes the endpoint ACTIVE
 * again; a new URL is checked as at registration), rotate the signing secret, delete. The signing secret is made
 * here and shown once, in the answer of create and rotate; the store never hands it back. An id the
 * owner does not have, whether nobody's or another owner's, is NOT_FOUND alike.
 */
import type { GraphQLError } from 'graphql';
import { badUserInput } from '../../errors/bad-user-input.js';
import { gatewayError } from '../../errors/gateway-error.js';
import type { EndpointPatch, StoredEndpoint, WebhookOwner } from '../../webhooks/webhook-store.js';
import type { GatewayContext } from '../context.js';
import { newSigningSecret } from './signing-secret.js';
import { descriptionOf, type CreateEndpointArgs, type UpdateEndpointArgs } from './validate-webhook-input.js';
import { webhookCaller } from './webhook-caller.js';
import type { WebhookServices } from './webhook-services.js';

export interface EndpointWithSecret {
  endpoint: StoredEndpoint;
  /** `whsec_…`: shown this once. */
  signingSecret: string;
}

export function endpointNotFound(id: string, field = 'id'): GraphQLError {
  return gatewayError(
    'NOT_FOUND',
    `${field}: ${JSON.stringify(id)} is not one of your webhook endpoints (see webhookEndpoints)`,
    { field },
  );
}

export async function listEndpoints(ctx: GatewayContext): Promise<StoredEndpoint[]> {
  const { store, owner } = await webhookCaller(ctx);
  return store.listEndpoints(owner);
}

export async function getEndpoint(ctx: GatewayContext, id: string): Promise<StoredEndpoint> {
  const { store, owner } = await webhookCaller(ctx);
  const endpoint = await store.getEndpoint(owner, id);
  if (!endpoint) throw endpointNotFound(id);
  return endpoint;
}

/** The URL as the policy normalises it, or BAD_USER_INPUT on `url`: registration and update alike. */
async function checkedUrl(services: WebhookServices, owner: WebhookOwner, url: string): Promise<string> {
  const checked = await services.checkUrl(url);
  if (checked.ok) return checked.url;
  // Which address the name resolved to is the operator's to read, not the caller's.
  if (checked.detail !== undefined)
    services.logger?.info(
      { provider: owner.provider, ownerKey: owner.ownerKey, problem: checked.detail },
      'webhook endpoint refused: its host resolves to an address that is not public',
    );
  throw badUserInput('url', `url: ${checked.message}`);
}

export async function createEndpoint(ctx: GatewayContext, input: CreateEndpointArgs): Promise<EndpointWithSecret> {
  const caller = await webhookCaller(ctx, true);
  const { services, store, owner } = caller;
  const url = await checkedUrl(services, owner, input.url);
  const signingSecret = newSigningSecret();
  const endpoint = await store.createEndpoint(
    {
      ...owner,
      url,
      events: input.events,
      description: descriptionOf(input.description) ?? null,
      signingSecret,
      credentials: caller.credentials,
      baseline: await caller.jobs(),
    },
    services.settings.maxEndpoints,
    services.now(),
  );
  services.onEndpointsChanged?.();
  return { endpoint, signingSecret };
}

export async function updateEndpoint(ctx: GatewayContext, input: UpdateEndpointArgs): Promise<StoredEndpoint> {
  const { store, owner, services, credentials } = await webhookCaller(ctx);
  const id = String(input.id);
  const patch: EndpointPatch = { credentials };
  if (input.url != null) patch.url = await checkedUrl(services, owner, input.url);
  if (input.events != null) patch.events = input.events;
  if (input.enabled != null) patch.enabled = input.enabled;
  if (input.description !== undefined) patch.description = descriptionOf(input.description) ?? null;
  const endpoint = await store.updateEndpoint(owner, id, patch, services.now());
  if (!endpoint) throw endpointNotFound(id);
  services.onEndpointsChanged?.();
  return endpoint;
}

export async function rotateSecret(ctx: GatewayContext, id: string): Promise<EndpointWithSecret> {
  const { store, owner, services } = await webhookCaller(ctx);
  const signingSecret = newSigningSecret();
  const endpoint = await store.rotateSecret(owner, id, signingSecret, services.settings.secretGraceMs, services.now());
  if (!endpoint) throw endpointNotFound(id);
  return { endpoint, signingSecret };
}

export async function deleteEndpoint(ctx: GatewayContext, id: string): Promise<{ id: string }> {
  const { store, owner, services } = await webhookCaller(ctx);
  if (!(await store.deleteEndpoint(owner, id))) throw endpointNotFound(id);
  services.onEndpointsChanged?.();
  return { id };
}
