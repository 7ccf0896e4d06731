import { withPublicIds } from '../providers/together-public-ids.js';
import type { BearerCredentials } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { GatewayContext } from './context.js';

/**
 * The Together client and the caller's key there, when the request is for Together; null on another
 * provider. The client's errors name ids as the gateway gives them out (`together:ft-…`).
 */
export function togetherSession(ctx: GatewayContext): { client: TogetherClient; creds: BearerCredentials } | null {
  const { provider, credentials } = ctx.session();
  if (provider.api.name !== 'together' || !provider.together) return null;
  return { client: withPublicIds(provider.together), creds: { token: credentials.token } };
}
