/**
 * The webhook API's services (resolvers/webhooks/webhook-services.ts) from the settings: the store
 * (the composition root opens it: PostgreSQL at start, the embedded database on first use), the URL
 * policy with the operator's allowed hosts and ports, and the gateway's clock. Null when WEBHOOKS_ENABLED is false.
 */
import type { Settings } from '../config.js';
import type { CheckEndpointUrl, WebhookServices } from '../resolvers/webhooks/webhook-services.js';
import { checkEndpointUrl, type EndpointUrlPolicy } from '../webhooks/outbound/endpoint-url.js';
import { withStoreUnavailable } from '../webhooks/store-unavailable.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';

export function webhookApiServices(
  settings: Pick<Settings, 'webhooks'>,
  options: {
    store: WebhookStore;
    now: () => number;
    /** How the URL policy resolves names (tests); @default the system resolver */
    lookup?: EndpointUrlPolicy['lookup'];
    /** Told after an endpoint was created, changed or deleted here (the watcher re-reads at once). */
    onEndpointsChanged?: () => void;
  },
): WebhookServices | null {
  const webhooks = settings.webhooks;
  if (!webhooks) return null;
  const policy: EndpointUrlPolicy = {
    allowedHosts: webhooks.allowedHosts,
    allowedPorts: webhooks.allowedPorts,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };
  const checkUrl: CheckEndpointUrl = (url) => checkEndpointUrl(url, policy);
  // The API's reads and changes answer SERVICE_UNAVAILABLE, coded, while the database is out of reach.
  const store = withStoreUnavailable(options.store);
  return {
    store: async () => store,
    settings: webhooks,
    checkUrl,
    now: () => new Date(options.now()),
    ...(options.onEndpointsChanged ? { onEndpointsChanged: options.onEndpointsChanged } : {}),
  };
}
