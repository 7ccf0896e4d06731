/**
 * An id the request's provider does not show the caller (it does not exist, or is another account's),
 * answered alike by every field that looks something up by id, on every provider: NOT_FOUND in the
 * gateway's words, naming the argument in `extensions.field`, as the webhook API's NOT_FOUND errors do.
 * Each upstream words its 404 its own way (Nscale "no file … in this organization", Together "File …
 * not found."); the client reads one sentence: `<field>: "<id>" is not one of <what> on provider <p> (see …)`.
 *
 * On Nscale, an id of the form of Together's own ids (`ft-…`, `file-…`, a model's `organization/name`)
 * that Nscale does not know is most likely Together's, sent without `X-Provider: together`: the answer
 * says how to send it. It stays NOT_FOUND, and is said only after Nscale's answer, because Nscale's ids
 * are opaque and the form alone proves nothing; an id with the gateway's `together:` prefix is certain,
 * and refused before any call (provider-ids.ts), as Together refuses an id without it.
 */
import { gatewayError } from '../errors/gateway-error.js';
import type { GraphQLError } from 'graphql';
import { hasTogetherFileForm, hasTogetherJobForm, publicId } from '../providers/provider-ids.js';
import type { ProviderName } from '../providers/provider-name.js';
import { isUpstreamError, UpstreamError } from '../upstream/errors.js';
import type { GatewayContext } from './context.js';

const OVER_WEBSOCKET = '(over WebSocket, connectionParams.provider)';
/** A Together model's id is its name, `organization/model` (meta-llama/Meta-Llama-3.1-8B-Instruct-Reference). */
const TOGETHER_MODEL_FORM = /^[\w.-]+\/[\w.-]+$/;

/** What can be looked up by id: how the answer names the kind, and where the caller finds real ids. */
const KINDS = {
  job: { what: 'your jobs', see: 'see jobs' },
  file: { what: 'your files', see: 'see uploadFile' },
  dataset: { what: 'your datasets', see: 'see datasets' },
  baseModel: { what: 'the base models', see: 'see baseModels' },
} as const;
export type LookupKind = keyof typeof KINDS;

/** Where a Nscale miss has the form of Together's ids: what to say, and the id to send instead (if it has one). */
function togetherForm(kind: LookupKind, id: string): { said: string; sendAs?: string } | null {
  if (kind === 'job' && hasTogetherJobForm(id))
    return { said: "it has the form of Together's own job ids: a Together job", sendAs: publicId('together', id) };
  if (kind === 'file' && hasTogetherFileForm(id))
    return { said: "it has the form of Together's own file ids: a Together file", sendAs: publicId('together', id) };
  if (kind === 'baseModel' && TOGETHER_MODEL_FORM.test(id))
    return { said: "it has the form of Together's model names (organization/model): a Together model" };
  return null;
}

/** The message of an unknown `kind`: `id` as the caller gave it, `field` the argument that named it. */
export function unknownIdMessage(provider: ProviderName, kind: LookupKind, id: string, field = 'id'): string {
  const shown = id.slice(0, 200);
  const { what, see } = KINDS[kind];
  const message = `${field}: ${JSON.stringify(shown)} is not one of ${what} on provider ${provider} (${see})`;
  const form = provider === 'nscale' ? togetherForm(kind, shown) : null;
  if (!form) return message;
  const sent = `${message}; ${form.said} is sent with X-Provider: together ${OVER_WEBSOCKET}`;
  return form.sendAs === undefined ? sent : `${sent}, as the gateway gives it out: ${JSON.stringify(form.sendAs)}`;
}

/** `error` in the gateway's words when it is the upstream's NOT_FOUND of the `kind` `id` names; any other error as it is. */
export function asUnknownId(
  ctx: GatewayContext,
  kind: LookupKind,
  id: string | number,
  error: unknown,
  field = 'id',
): unknown {
  if (!isUpstreamError(error) || error.code !== 'NOT_FOUND') return error;
  // The upstream answered: the request has a provider.
  const provider = ctx.session().provider.api.name;
  return new UpstreamError('NOT_FOUND', unknownIdMessage(provider, kind, String(id), field), {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
    field,
    cause: error,
  });
}

/** `work` (a call about the `kind` `id` names), its NOT_FOUND answered as an unknown id of the request's provider. */
export async function orUnknownId<T>(
  ctx: GatewayContext,
  kind: LookupKind,
  id: string | number,
  work: Promise<T>,
  field = 'id',
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw asUnknownId(ctx, kind, id, error, field);
  }
}

/** The gateway's own NOT_FOUND of an id it looked up itself (a base model, in the provider's catalogue). */
export function unknownIdError(ctx: GatewayContext, kind: LookupKind, id: string, field = 'id'): GraphQLError {
  const provider = ctx.session().provider.api.name;
  return gatewayError('NOT_FOUND', unknownIdMessage(provider, kind, id, field), { field });
}
