import { upstreamId } from '../providers/provider-ids.js';
import type { GatewayContext } from './context.js';

/**
 * The upstream's id of an id argument, for the request's provider: an id of another provider is
 * BAD_USER_INPUT naming both, before any upstream call (provider-ids.ts).
 */
export function upstreamIdOf(ctx: GatewayContext, id: string | number, field = 'id'): string {
  return upstreamId(ctx.session().provider.api.name, String(id), field);
}
