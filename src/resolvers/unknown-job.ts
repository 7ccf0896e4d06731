/**
 * A job the request's provider does not show the caller (it does not exist, or is another account's),
 * answered alike on every provider and by every field that takes a job id (`job`, `cancelJob`,
 * `jobUpdated`, `exportJobToHuggingFace`): NOT_FOUND in the gateway's words, naming the argument in
 * `extensions.field`, as the webhook API's NOT_FOUND errors do. Each upstream words its 404 its own
 * way (Nscale "no job … in this organization", Together "Fine-tune job … not found."); the client
 * reads one sentence.
 *
 * On Nscale, an id of Together's own form (`ft-…`) that Nscale does not know is most likely a Together
 * job sent without `X-Provider: together`: the answer says how to send it. It stays NOT_FOUND, and is
 * said only after Nscale's answer, because Nscale's ids are opaque and the form alone proves nothing;
 * an id with the gateway's `together:` prefix is certain, and refused before any call
 * (provider-ids.ts), as Together refuses an id without it.
 */
import { hasTogetherJobForm, publicId } from '../providers/provider-ids.js';
import type { ProviderName } from '../providers/provider-name.js';
import { isUpstreamError, UpstreamError } from '../upstream/errors.js';
import type { GatewayContext } from './context.js';

const OVER_WEBSOCKET = '(over WebSocket, connectionParams.provider)';

/** The message of an unknown job: `id` as the caller gave it, `field` the argument that named it. */
function unknownJobMessage(provider: ProviderName, id: string, field = 'id'): string {
  const shown = id.slice(0, 200);
  const message = `${field}: ${JSON.stringify(shown)} is not one of your jobs on provider ${provider} (see jobs)`;
  if (provider !== 'nscale' || !hasTogetherJobForm(id)) return message;
  return (
    `${message}; it has the form of Together's own job ids: a Together job is sent with X-Provider: together ` +
    `${OVER_WEBSOCKET}, as the gateway gives it out: ${JSON.stringify(publicId('together', shown))}`
  );
}

/** `error` in the gateway's words when it is the upstream's NOT_FOUND of the job `id` names; any other error as it is. */
export function asUnknownJob(ctx: GatewayContext, id: string | number, error: unknown, field = 'id'): unknown {
  if (!isUpstreamError(error) || error.code !== 'NOT_FOUND') return error;
  // The upstream answered: the request has a provider.
  const provider = ctx.session().provider.api.name;
  return new UpstreamError('NOT_FOUND', unknownJobMessage(provider, String(id), field), {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
    field,
    cause: error,
  });
}

/** `work` (a call about the job `id` names), its NOT_FOUND answered as an unknown job of the request's provider. */
export async function orUnknownJob<T>(
  ctx: GatewayContext,
  id: string | number,
  work: Promise<T>,
  field = 'id',
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw asUnknownJob(ctx, id, error, field);
  }
}
