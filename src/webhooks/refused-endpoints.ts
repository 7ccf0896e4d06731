/**
 * At start, the operator's word of the stored endpoints whose URL the URL policy now refuses: their
 * owners registered them before WEBHOOK_ALLOWED_PORTS (or WEBHOOK_ALLOWED_HOSTS) was narrowed, or
 * before the rule existed. Nothing is sent to them (each attempt fails unsent, and the endpoint goes
 * FAILING saying why) until their owners update their url or the operator allows them: one warn line
 * with how many, their ids (the first MAX_NAMED), and the settings to change.
 */
import type { Logger } from 'pino';
import { parseEndpointUrl, type EndpointUrlRules } from './outbound/endpoint-url.js';
import type { WebhookStore } from './webhook-store.js';

/** Endpoint ids the line names at most (the count is whole). */
export const MAX_NAMED = 20;

export async function warnRefusedEndpoints(
  store: Pick<WebhookStore, 'endpointUrls'>,
  rules: EndpointUrlRules,
  logger: Logger,
): Promise<void> {
  try {
    const refused = (await store.endpointUrls()).filter(({ url }) => !parseEndpointUrl(url, rules).ok);
    if (refused.length === 0) return;
    logger.warn(
      {
        count: refused.length,
        endpoints: refused.slice(0, MAX_NAMED).map(({ id }) => id),
        allowedPorts: rules.allowedPorts,
        settings: ['WEBHOOK_ALLOWED_PORTS', 'WEBHOOK_ALLOWED_HOSTS'],
      },
      `webhook endpoints whose stored URL the URL policy now refuses: ${refused.length}; nothing is sent to them ` +
        '(each attempt fails unsent, the endpoint FAILING) until their owners update their url ' +
        '(updateWebhookEndpoint) or WEBHOOK_ALLOWED_PORTS / WEBHOOK_ALLOWED_HOSTS allows them',
    );
  } catch (error) {
    logger.warn({ err: error }, 'webhook endpoints could not be checked against the URL policy at start');
  }
}
