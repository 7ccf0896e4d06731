/**
 * Webhook endpoints: URLs that receive a signed POST (Standard Webhooks) when a job of the caller's
 * account changes, with their root fields: list and read them, register one (its signing secret
 * shown once), update, rotate the secret, delete. Every field first shows the caller's credentials to
 * the upstream (resolvers/webhooks/webhook-caller.ts): an account's endpoints are its own, on Nscale
 * the organization's, on Together the API key's.
 */
import type { EndpointState, StoredEndpoint } from '../webhooks/webhook-store.js';
import { MAX_DELIVERY_PAGE } from '../resolvers/webhooks/delivery-connection.js';
import { endpointDeliveries } from '../resolvers/webhooks/webhook-deliveries.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type EndpointWithSecret,
} from '../resolvers/webhooks/webhook-endpoints.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_URL_LENGTH,
  createEndpointProblems,
  updateEndpointProblems,
  type CreateEndpointArgs,
  type UpdateEndpointArgs,
} from '../resolvers/webhooks/validate-webhook-input.js';
import { builder } from './builder.js';
import { ProviderEnum } from './provider.js';
import { DeliveryConnectionRef } from './webhook-deliveries.js';
import { WebhookEventEnum } from './webhook-event.js';

const STATE_TEXT: Record<EndpointState, string> = {
  active:
    'Healthy: delivering while `enabled` is true. The state says how deliveries fare, not the switch: an endpoint ' +
    'switched off (`enabled: false`) keeps its state, and nothing is sent to it.',
  paused:
    'The upstream refused the credentials stored with the endpoint (`stateReason` says how): its ' +
    'jobs are not watched until its owner updates it (any update stores their current credentials).',
  failing:
    "A delivery ran out of retries, or the URL policy refuses the endpoint's URL (a port or host the " +
    'operator no longer allows: nothing is sent to it, and `stateReason` says what to do). Deliveries go on ' +
    'being attempted; the next one acknowledged makes the endpoint ACTIVE again, and so does any update.',
  disabled: 'The endpoint answered 410 Gone: nothing is sent until its owner updates it.',
};

const EndpointStateEnum = builder.enumType('WebhookEndpointState', {
  description: "How deliveries to an endpoint are going, apart from its owner's switch (`enabled`).",
  values: Object.fromEntries(
    Object.entries(STATE_TEXT).map(([state, text]) => [state.toUpperCase(), { value: state, description: text }]),
  ) as Record<Uppercase<EndpointState>, { value: EndpointState; description: string }>,
});

const EndpointRef = builder.objectRef<StoredEndpoint>('WebhookEndpoint').implement({
  description:
    "A URL that receives the chosen events of the account's jobs, each a POST signed with the " +
    "endpoint's secret (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The endpoint id.' }),
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider whose jobs it receives.',
      resolve: (e) => e.provider,
    }),
    url: t.exposeString('url', { description: 'Where deliveries are POSTed.' }),
    events: t.field({
      type: [WebhookEventEnum],
      description: 'The events it receives.',
      resolve: (e) => e.events,
    }),
    description: t.exposeString('description', { nullable: true, description: "The owner's note about it." }),
    enabled: t.exposeBoolean('enabled', {
      description: "The owner's switch: a disabled endpoint is neither watched nor delivered to.",
    }),
    state: t.field({ type: EndpointStateEnum, description: 'How deliveries are going.', resolve: (e) => e.state }),
    stateReason: t.exposeString('stateReason', {
      nullable: true,
      description: 'Why the endpoint is PAUSED, FAILING or DISABLED; null when ACTIVE.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed.' }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      // The column keeps the last expiry once it passed (deliveries read what is in force: rows.ts).
      resolve: ({ previousSecretExpiresAt: until }) => (until !== null && until.getTime() > Date.now() ? until : null),
      description:
        'After a rotation, until when deliveries are signed with the previous secret too (one more `v1,` ' +
        'signature); null when only one secret signs. Every secret rotated away within ' +
        'WEBHOOK_SECRET_GRACE_MS keeps signing until its own grace ends, the three newest at most.',
    }),
    deliveries: t.field({
      type: DeliveryConnectionRef,
      description: 'Its deliveries, newest first, a page at a time.',
      args: {
        first: t.arg.int({
          required: true,
          defaultValue: 20,
          description: `How many deliveries, from 1 to ${MAX_DELIVERY_PAGE}; default 20.`,
        }),
        after: t.arg.string({ description: 'The `endCursor` of the previous page.' }),
      },
      resolve: (endpoint, args, ctx) => endpointDeliveries(ctx, endpoint, args),
    }),
  }),
});

const secretText =
  'The signing secret (`whsec_` and base64): shown this once, never readable again. Verify each ' +
  'delivery with it (the `standardwebhooks` package does).';

const CreatePayloadRef = builder.objectRef<EndpointWithSecret>('CreateWebhookEndpointPayload').implement({
  description: 'A registered endpoint and its signing secret.',
  fields: (t) => ({
    endpoint: t.field({ type: EndpointRef, description: 'The endpoint.', resolve: (p) => p.endpoint }),
    signingSecret: t.exposeString('signingSecret', { description: secretText }),
  }),
});

const RotatePayloadRef = builder.objectRef<EndpointWithSecret>('RotateWebhookSecretPayload').implement({
  description: 'An endpoint with its new signing secret.',
  fields: (t) => ({
    endpoint: t.field({ type: EndpointRef, description: 'The endpoint.', resolve: (p) => p.endpoint }),
    signingSecret: t.exposeString('signingSecret', {
      description: `${secretText} The previous secret keeps signing too until \`endpoint.previousSecretExpiresAt\`.`,
    }),
  }),
});

const DeletePayloadRef = builder.objectRef<{ id: string }>('DeleteWebhookEndpointPayload').implement({
  description: 'What was deleted.',
  fields: (t) => ({ id: t.exposeID('id', { description: 'The id of the deleted endpoint.' }) }),
});

const URL_RULE =
  `at most ${MAX_URL_LENGTH} characters, without a user name or ` +
  `password: https, to a public address, on a port the operator allows in WEBHOOK_ALLOWED_PORTS ` +
  `(443 and 8443 by default; no port means 443). Plain http, private addresses and other ports ` +
  `only for hosts the operator lists in WEBHOOK_ALLOWED_HOSTS.`;

const CreateInput = builder.inputType('CreateWebhookEndpointInput', {
  description: 'A new webhook endpoint.',
  fields: (t) => ({
    url: t.string({ required: true, description: `Where to POST deliveries, ${URL_RULE}` }),
    events: t.field({
      type: [WebhookEventEnum],
      required: true,
      description: 'The events to receive: at least one, each once.',
    }),
    description: t.string({
      description: `A note about it, at most ${MAX_DESCRIPTION_LENGTH} characters, without control characters (tab and line breaks apart).`,
    }),
  }),
});

const UpdateInput = builder.inputType('UpdateWebhookEndpointInput', {
  description:
    "Changes to an endpoint; an omitted field stays as it is. Every update stores the caller's " +
    'current credentials with the endpoint (what its jobs are watched with) and makes it ACTIVE ' +
    "again: the owner's answer to PAUSED, FAILING or DISABLED.",
  fields: (t) => ({
    id: t.id({ required: true, description: 'The endpoint id.' }),
    url: t.string({
      description:
        `Where to POST deliveries from now on, checked as at registration (a refusal is BAD_USER_INPUT ` +
        `on \`url\`): ${URL_RULE} The endpoint's pending deliveries go to it, those waiting for a retry ` +
        'at once; failed ones can be redelivered (`redeliverWebhook`). The answer to a URL the policy ' +
        'refuses (FAILING, `stateReason` saying so).',
    }),
    events: t.field({
      type: [WebhookEventEnum],
      description: 'The events to receive instead: at least one, each once.',
    }),
    enabled: t.boolean({ description: 'Switch deliveries off (false) or on again (true).' }),
    description: t.string({
      description:
        `A new note, at most ${MAX_DESCRIPTION_LENGTH} characters, ` +
        'without control characters (tab and line breaks apart); null or blank removes it.',
    }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [EndpointRef],
    description: "The caller's webhook endpoints (on Nscale the organization's, on Together the API key's).",
    resolve: (_root, _args, ctx) => listEndpoints(ctx),
  }),
  webhookEndpoint: t.field({
    type: EndpointRef,
    nullable: true,
    description: "One webhook endpoint by id; null with a NOT_FOUND error when it is not the caller's.",
    args: { id: t.arg.id({ required: true, description: 'The endpoint id.' }) },
    resolve: (_root, args, ctx) => getEndpoint(ctx, String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatePayloadRef,
    description:
      "Register a webhook endpoint for the caller's account. The caller's credentials are stored with " +
      "it, sealed, to watch the account's jobs when nobody else does; jobs that exist now send no " +
      'JOB_CREATED. The answer holds the signing secret, shown this once. Each problem with the input ' +
      'is its own BAD_USER_INPUT error with `extensions.field`.',
    extensions: { inputProblems: (args: { input: CreateEndpointArgs }) => createEndpointProblems(args.input) },
    args: { input: t.arg({ type: CreateInput, required: true, description: 'The endpoint to register.' }) },
    resolve: (_root, { input }, ctx) => createEndpoint(ctx, input),
  }),
  updateWebhookEndpoint: t.field({
    type: EndpointRef,
    description:
      "Change an endpoint's URL, events, switch or note; store the caller's current credentials with it and " +
      "make it ACTIVE again. An endpoint that is not the caller's is NOT_FOUND.",
    extensions: { inputProblems: (args: { input: UpdateEndpointArgs }) => updateEndpointProblems(args.input) },
    args: { input: t.arg({ type: UpdateInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) => updateEndpoint(ctx, input),
  }),
  rotateWebhookSecret: t.field({
    type: RotatePayloadRef,
    description:
      'Give an endpoint a new signing secret (shown this once). The previous one keeps signing beside ' +
      'it for a grace period (WEBHOOK_SECRET_GRACE_MS), so that the receiver can switch without losing ' +
      'a delivery; so do earlier ones whose grace lasts, the three newest at most (a fourth rotation ' +
      'within the grace ends the oldest one at once).',
    args: { id: t.arg.id({ required: true, description: 'The endpoint id.' }) },
    resolve: (_root, args, ctx) => rotateSecret(ctx, String(args.id)),
  }),
  deleteWebhookEndpoint: t.field({
    type: DeletePayloadRef,
    description: 'Delete an endpoint with its stored credentials and deliveries; pending deliveries are not sent.',
    args: { id: t.arg.id({ required: true, description: 'The endpoint id.' }) },
    resolve: (_root, args, ctx) => deleteEndpoint(ctx, String(args.id)),
  }),
}));
