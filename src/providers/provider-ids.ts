/**
 * Which provider an id belongs to. Nscale's ids are today's, as the upstream gave them (today's
 * clients keep working); the ids the gateway gives out for Together's objects carry their provider
 * (`together:ft-…`). So an id can never be sent to the other provider: a request for one provider that
 * names the other's id is refused before any upstream call.
 */
import { badUserInput } from '../errors/bad-user-input.js';
import type { ProviderName } from './provider-name.js';

const TOGETHER_PREFIX = 'together:';
/** Together's ids of fine-tunes and files (`ft-…`, `file-…`), as its API and SDK give them. */
const TOGETHER_OWN_ID = /^(ft|file)-[0-9a-f-]{8,}$/i;
const OVER_WEBSOCKET = '(over WebSocket, connectionParams.provider)';

/**
 * Whether `id` has the form of Together's own id of a fine-tune job (`ft-…`, as its API and SDK give
 * it). Not proof that it is Together's: Nscale's ids are opaque, and could take any form.
 */
export function hasTogetherJobForm(id: string): boolean {
  return TOGETHER_OWN_ID.test(id) && id.toLowerCase().startsWith('ft-');
}

/** Whether `id` has the form of Together's own id of a file (`file-…`); as with jobs, not proof that it is Together's. */
export function hasTogetherFileForm(id: string): boolean {
  return TOGETHER_OWN_ID.test(id) && id.toLowerCase().startsWith('file-');
}

export function providerOfId(id: string): ProviderName {
  return id.startsWith(TOGETHER_PREFIX) ? 'together' : 'nscale';
}

/** The id as the gateway gives it out for `provider`'s object. */
export function publicId(provider: ProviderName, upstreamId: string): string {
  return provider === 'together' ? `${TOGETHER_PREFIX}${upstreamId}` : upstreamId;
}

/**
 * The upstream's own id of `id`, for a request on `provider`; BAD_USER_INPUT naming the field and the
 * value when it is not one of `provider`'s ids (and naming the other provider when it is surely its).
 * `rest`: what followed the id in the value the caller gave (a checkpoint's `:<step>`), named with it.
 */
export function upstreamId(provider: ProviderName, id: string, field = 'id', rest = ''): string {
  const owner = providerOfId(id);
  // Together's own id, as its API or SDK shows it, sent without the gateway's prefix.
  if (owner === 'nscale' && provider === 'together' && TOGETHER_OWN_ID.test(id))
    throw badUserInput(
      field,
      `${field}: ${JSON.stringify(id.slice(0, 200) + rest)} is Together's own form of an id; the gateway's ids of ` +
        `Together's objects start with "${TOGETHER_PREFIX}": send ${JSON.stringify(publicId('together', id.slice(0, 200)) + rest)}`,
    );
  // Any other id without the prefix: not Together's, but nothing says whose (Nscale's ids have no form
  // of their own), so neither is it called Nscale's.
  if (owner === 'nscale' && provider === 'together')
    throw badUserInput(
      field,
      `${field}: ${JSON.stringify(id.slice(0, 200) + rest)} is not an id of provider together: its ids start with ` +
        `"${TOGETHER_PREFIX}" as the gateway gives them out ("${TOGETHER_PREFIX}ft-…", "${TOGETHER_PREFIX}file-…"); ` +
        `an id of provider nscale is sent with X-Provider: nscale ${OVER_WEBSOCKET}`,
    );
  if (owner !== provider)
    throw badUserInput(
      field,
      `${field}: ${JSON.stringify(id.slice(0, 200) + rest)} is an id of provider ${owner}, and this request ` +
        `is for provider ${provider}: send it with X-Provider: ${owner} ${OVER_WEBSOCKET}`,
    );
  return provider === 'together' ? id.slice(TOGETHER_PREFIX.length) : id;
}
