/**
 * What the webhook resolvers need from the gateway, built by the composition root (null in
 * `GatewayServices.webhooks` when WEBHOOKS_ENABLED is false): the store (asked for only once the
 * caller's credentials were accepted upstream), the webhook settings, the URL policy, and the clock.
 */
import type { Logger } from 'pino';
import type { Settings } from '../../config.js';
import type { WebhookStore } from '../../webhooks/webhook-store.js';

export type WebhookSettings = NonNullable<Settings['webhooks']>;

/**
 * The URL policy at registration (src/webhooks/outbound `checkEndpointUrl`: https on a port of
 * WEBHOOK_ALLOWED_PORTS unless the host is listed in WEBHOOK_ALLOWED_HOSTS, and no loopback, private,
 * link-local, multicast or metadata address, resolved names included): the URL normalised, or why it
 * is refused, in a message that starts with the URL (without any credentials it held).
 */
export type CheckEndpointUrl = (url: string) => Promise<
  | { ok: true; url: string }
  /** `detail`: what the operator's log may say (the address a name resolved to); never the caller's answer. */
  | { ok: false; message: string; detail?: string }
>;

export interface WebhookServices {
  /** The store, the same one on every call; a failure to open it is a coded error. */
  store(): Promise<WebhookStore>;
  settings: WebhookSettings;
  checkUrl: CheckEndpointUrl;
  /** The clock of every stored time (creation, rotation grace, redelivery). */
  now(): Date;
  /** Told after an endpoint was created, changed or deleted here, so that the watcher re-reads at once. */
  onEndpointsChanged?: () => void;
  /** Where the API logs what only the operator may read (a refused URL's resolved address). */
  logger?: Logger;
}
