/**
 * What every endpoint but DELETE does with a call: read the accepted answer through its schema, and
 * a plain GET that may be retried.
 */
import { redactSecrets } from '../secrets/secret-forms.js';
import type { Call, Exchange } from './call.js';
import { UpstreamError } from './errors.js';
import type { RawResponse } from './map-error.js';
import type { CallCredentials, CallOptions } from './types.js';

export type JsonCall = <T>(
  creds: CallCredentials,
  ex: Exchange,
  opts: CallOptions | undefined,
  parse: (res: RawResponse, op: string) => T,
) => Promise<T>;

export function jsonCall(call: Call): JsonCall {
  return async (creds, ex, opts, parse) => {
    const { response } = await call(creds, ex, opts);
    try {
      return parse(response, `${ex.method} ${ex.route}`);
    } catch (error) {
      // A mismatch message may quote a value of the body; the body may (absurdly) quote the token.
      if (error instanceof UpstreamError)
        error.message = redactSecrets(error.message, [creds.token, ...(ex.secrets ?? [])]);
      throw error;
    }
  };
}

/** A GET: idempotent, so retried. */
export function getExchange(route: string, path: string, query?: URLSearchParams): Exchange {
  return { method: 'GET', route, path, query, retry: true };
}
