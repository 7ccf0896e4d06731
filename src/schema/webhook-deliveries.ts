/**
 * A webhook endpoint's deliveries: each event sent (or to be sent) to it, with its attempts, paged
 * as a Relay connection, newest first; `webhookDeliveries` and `redeliverWebhook`. The delivery's id
 * is the `webhook-id` header its receiver gets, the same on every retry and redelivery.
 */
import type { AttemptResult, DeliveryState, StoredAttempt } from '../webhooks/webhook-store.js';
import {
  MAX_DELIVERY_PAGE,
  type DeliveryConnection,
  type DeliveryShape,
} from '../resolvers/webhooks/delivery-connection.js';
import { attemptsOf, deliveriesOf, redeliver } from '../resolvers/webhooks/webhook-deliveries.js';
import { builder } from './builder.js';
import { WebhookEventEnum } from './webhook-event.js';

const DELIVERY_STATE_TEXT: Record<DeliveryState, string> = {
  pending: 'Not acknowledged yet: the next attempt is due at `nextAttemptAt`.',
  succeeded: 'Acknowledged: the endpoint answered an attempt with a 2xx status.',
  failed:
    'Given up: every retry of the schedule failed, or the endpoint answered 410 Gone. `redeliverWebhook` sends it again.',
};

const DeliveryStateEnum = builder.enumType('WebhookDeliveryState', {
  description: 'Where a delivery stands: PENDING until acknowledged (retried on a schedule), then SUCCEEDED or FAILED.',
  values: Object.fromEntries(
    Object.entries(DELIVERY_STATE_TEXT).map(([state, text]) => [
      state.toUpperCase(),
      { value: state, description: text },
    ]),
  ) as Record<Uppercase<DeliveryState>, { value: DeliveryState; description: string }>,
});

const ATTEMPT_OUTCOME_TEXT: Record<AttemptResult, string> = {
  delivered: 'The endpoint answered with a 2xx status: the delivery is acknowledged.',
  failed:
    'The endpoint answered another status (`responseCode`), or no answer came (a timeout, a refused address, a reset: `error` says which).',
  interrupted:
    'No outcome: the gateway instance making the attempt stopped (killed, crashed) or stalled before it ended, so ' +
    'the request may or may not have reached the endpoint. Recorded when another instance took the delivery ' +
    'over, once the claim expired; the next attempt sends it again under the same `webhook-id`.',
};

const AttemptOutcomeEnum = builder.enumType('WebhookAttemptOutcome', {
  description: 'How an attempt ended: DELIVERED, FAILED, or INTERRUPTED (no outcome is known).',
  values: Object.fromEntries(
    Object.entries(ATTEMPT_OUTCOME_TEXT).map(([outcome, text]) => [
      outcome.toUpperCase(),
      { value: outcome, description: text },
    ]),
  ) as Record<Uppercase<AttemptResult>, { value: AttemptResult; description: string }>,
});

const AttemptRef = builder.objectRef<StoredAttempt>('WebhookAttempt').implement({
  description: 'One try at sending a delivery to its endpoint.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'Which attempt this was, from 1.' }),
    outcome: t.field({ type: AttemptOutcomeEnum, description: 'How the attempt ended.', resolve: (a) => a.outcome }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      description: 'When the request was started; for an INTERRUPTED attempt, when it was claimed, just before.',
    }),
    durationMs: t.exposeInt('durationMs', {
      description:
        'How long it took, in milliseconds, until the answer (or the failure); for an INTERRUPTED attempt, until its claim expired.',
    }),
    responseCode: t.exposeInt('responseCode', {
      nullable: true,
      description:
        'The HTTP status the endpoint answered; null when no answer came (timeout, refused address, reset) or none is known (INTERRUPTED).',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description:
        'Why the attempt failed: the failure when no answer came, or the start of the body of a non-2xx answer; ' +
        'for an INTERRUPTED attempt, that it has no outcome; null when it succeeded.',
    }),
  }),
});

export const DeliveryRef = builder.objectRef<DeliveryShape>('WebhookDelivery').implement({
  description: 'One event for one endpoint, and how sending it went.',
  fields: (t) => ({
    id: t.exposeID('id', {
      description:
        'The `webhook-id` header the endpoint receives: the same on every retry and redelivery, so that a receiver can drop repeats.',
    }),
    eventType: t.field({ type: WebhookEventEnum, description: 'The event.', resolve: (d) => d.type }),
    jobId: t.exposeID('jobId', { description: 'The job the event is about, as `job(id)` takes it.' }),
    state: t.field({ type: DeliveryStateEnum, description: 'Where the delivery stands.', resolve: (d) => d.state }),
    attemptCount: t.exposeInt('attemptCount', {
      description: 'How many attempts were made so far, INTERRUPTED ones included (as many as `attempts`).',
    }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once SUCCEEDED or FAILED.',
    }),
    lastResponseCode: t.exposeInt('lastResponseCode', {
      nullable: true,
      description: 'The HTTP status of the latest attempt; null before any, or when no answer came.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event was recorded.' }),
    attempts: t.field({
      type: [AttemptRef],
      description: 'Every attempt so far, the first first.',
      resolve: (delivery, _args, ctx) => attemptsOf(ctx, delivery),
    }),
    payload: t.string({
      description: 'The JSON body sent (the event, its job and provider, a timestamp), as the endpoint receives it.',
      resolve: (d) => d.body,
    }),
  }),
});

const DeliveryEdgeRef = builder.objectRef<DeliveryConnection['edges'][number]>('WebhookDeliveryEdge').implement({
  description: 'A delivery in a page of deliveries.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: 'Opaque position of this delivery; pass it as `after` to continue after it.',
    }),
    node: t.field({ type: DeliveryRef, description: 'The delivery.', resolve: (edge) => edge.node }),
  }),
});

export const DeliveryConnectionRef = builder.objectRef<DeliveryConnection>('WebhookDeliveryConnection').implement({
  description: "A page of an endpoint's deliveries, newest first.",
  fields: (t) => ({
    edges: t.field({
      type: [DeliveryEdgeRef],
      description: 'The deliveries of this page, each with its cursor.',
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({
      type: builder.pageInfoRef(),
      description: 'Where this page stands in the whole list.',
      resolve: (c) => c.pageInfo,
    }),
  }),
});

builder.queryFields((t) => ({
  webhookDeliveries: t.field({
    type: DeliveryConnectionRef,
    description:
      "An endpoint's deliveries, newest first, a page at a time (as `WebhookEndpoint.deliveries`). An " +
      "endpoint that is not the caller's is NOT_FOUND. A finished delivery is kept for the gateway's " +
      'retention (30 days after its last attempt by default), then deleted; a pending one is always here.',
    args: {
      endpoint: t.arg.id({ required: true, description: 'The endpoint id.' }),
      first: t.arg.int({
        required: true,
        defaultValue: 20,
        description: `How many deliveries, from 1 to ${MAX_DELIVERY_PAGE}; default 20.`,
      }),
      after: t.arg.string({ description: 'The `endCursor` of the previous page.' }),
    },
    resolve: (_root, args, ctx) => deliveriesOf(ctx, String(args.endpoint), args),
  }),
}));

builder.mutationFields((t) => ({
  redeliverWebhook: t.field({
    type: DeliveryRef,
    description:
      'Send a delivery again, whatever its state: it becomes PENDING and due now, under the same id ' +
      "(the `webhook-id` its receiver may already have). A delivery that is not of the caller's " +
      'endpoints is NOT_FOUND. CONFLICT, with nothing changed, while an attempt at it is in flight ' +
      '(redeliver once its outcome shows) and while its endpoint is switched off or DISABLED (turn it ' +
      "on with `updateWebhookEndpoint` first), and while the URL policy refuses its endpoint's URL " +
      '(reason URL_REFUSED: give it a URL the policy allows with `updateWebhookEndpoint` first).',
    args: { delivery: t.arg.id({ required: true, description: 'The delivery id (its `webhook-id`).' }) },
    resolve: (_root, args, ctx) => redeliver(ctx, String(args.delivery)),
  }),
}));
