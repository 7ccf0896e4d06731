/**
 * The webhook operations on deliveries, for a caller the upstream has accepted (webhook-caller.ts):
 * an endpoint's deliveries a page at a time, a delivery's attempts, and a redelivery (the same
 * delivery, same `webhook-id`, pending again and due now, so that receivers that already have it
 * can drop it; refused while the URL policy refuses its endpoint's URL). A delivery or endpoint id the
 * owner does not have is NOT_FOUND, whoever's it is.
 */
import { gatewayError } from '../../errors/gateway-error.js';
import { parseEndpointUrl } from '../../webhooks/outbound/endpoint-url.js';
import type { StoredAttempt } from '../../webhooks/webhook-store.js';
import type { GatewayContext } from '../context.js';
import { deliveryConnection, type DeliveryConnection, type DeliveryShape } from './delivery-connection.js';
import { webhookCaller } from './webhook-caller.js';
import { endpointNotFound } from './webhook-endpoints.js';

export interface DeliveriesArgs {
  first: number;
  after?: string | null;
}

/** The deliveries of an endpoint the caller's request already found (a field of `WebhookEndpoint`). */
export async function endpointDeliveries(
  ctx: GatewayContext,
  endpoint: { id: string },
  args: DeliveriesArgs,
): Promise<DeliveryConnection> {
  const { store, owner } = await webhookCaller(ctx);
  return deliveryConnection(store, owner, endpoint.id, args.first, args.after);
}

/** `webhookDeliveries(endpoint)`: the endpoint must be the caller's. */
export async function deliveriesOf(
  ctx: GatewayContext,
  endpointId: string,
  args: DeliveriesArgs,
): Promise<DeliveryConnection> {
  const { store, owner } = await webhookCaller(ctx);
  if (!(await store.getEndpoint(owner, endpointId))) throw endpointNotFound(endpointId, 'endpoint');
  return deliveryConnection(store, owner, endpointId, args.first, args.after);
}

export async function attemptsOf(ctx: GatewayContext, delivery: DeliveryShape): Promise<StoredAttempt[]> {
  const { store } = await webhookCaller(ctx);
  return store.attempts(delivery.owner, delivery.id);
}

export async function redeliver(ctx: GatewayContext, deliveryId: string): Promise<DeliveryShape> {
  const { store, owner, services } = await webhookCaller(ctx);
  // The URL policy as each attempt applies it (send-webhook.ts): a URL it refuses is never sent to.
  const urlRefusal = (url: string) => {
    const parsed = parseEndpointUrl(url, services.settings);
    return parsed.ok ? null : parsed.message;
  };
  const delivery = await store.redeliver(owner, deliveryId, services.now(), urlRefusal);
  if (!delivery)
    throw gatewayError(
      'NOT_FOUND',
      `delivery: ${JSON.stringify(deliveryId)} is not a delivery of your webhook endpoints (see webhookDeliveries)`,
      { field: 'delivery' },
    );
  return { ...delivery, owner };
}
