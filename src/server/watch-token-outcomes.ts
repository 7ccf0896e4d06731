/**
 * Tells the rate limit what the upstream made of each caller's token (create-rate-limit.ts): a call
 * it answered proves the token; a 401 is a failed authentication. Wraps every method of the upstream
 * client, whose first argument is always the caller's credentials (src/upstream/types.ts).
 */
import { isUpstreamError } from '../upstream/errors.js';
import type { RateLimit } from './create-rate-limit.js';

type Outcomes = Pick<RateLimit, 'credentialsAccepted' | 'credentialsRefused'>;
type Method = (...args: unknown[]) => Promise<unknown>;

export function watchTokenOutcomes<T extends object>(client: T, outcomes: Outcomes): T {
  const wrapped = new Map<PropertyKey, Method>();
  const watch =
    (method: Method): Method =>
    async (...args) => {
      const token = (args[0] as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string') return method(...args);
      try {
        const result = await method(...args);
        outcomes.credentialsAccepted(token);
        return result;
      } catch (error) {
        if (isUpstreamError(error) && error.status === 401) outcomes.credentialsRefused(token);
        throw error;
      }
    };
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      let method = wrapped.get(property);
      if (!method) wrapped.set(property, (method = watch((value as Method).bind(target))));
      return method;
    },
  });
}
