/**
 * What the webhook resolvers need from the gateway, built by the composition root (null in
 * `GatewayServices.webhooks` when WEBHOOKS_ENABLED is false): the store, opened on first use (the
 * embedded database costs memory, so a gateway that never sees a webhook never opens it), the
 * webhook settings, the URL policy, and the clock.
 */
import type { Settings } from '../../config.js';
import type { WebhookStore } from '../../webhooks/webhook-store.js';

export type WebhookSettings = NonNullable<Settings['webhooks']>;

/**
 * The URL policy at registration (src/webhooks/outbound: https unless the host is allowed, no
 * loopback, private, link-local, multicast or metadata address, resolved names included): the
 * reason a URL is refused, as a clause that follows the URL in a message ("resolves to 10.0.0.5, a
 * private address"), or null when it is allowed.
 */
export type CheckEndpointUrl = (url: URL) => Promise<string | null>;

export interface WebhookServices {
  /** The store; the same one on every call (opened by the first). Its failure to open is a coded error. */
  store(): Promise<WebhookStore>;
  settings: WebhookSettings;
  checkUrl: CheckEndpointUrl;
  /** The clock of every stored time (creation, rotation grace, redelivery). */
  now(): Date;
}
