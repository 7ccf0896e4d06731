/**
 * The settings of the response cache (src/server/response-cache/): whether a caller's repeated queries
 * are answered from a cache of its own, where that cache lives, and the bound of its memory. How long
 * an answer lives is not a setting: it follows what the answer holds (src/schema/response-cache-policy.ts).
 * Part of the one settings schema (config-variables.ts lists them in its order).
 */
import { z } from 'zod';
import { about } from './config-about.js';
import { bool, positiveInt } from './env-values.js';

export const responseCacheVariables = {
  RESPONSE_CACHE_ENABLED: about(
    bool.default(true),
    "Answer a caller's repeated query from a cache of that caller's own (its provider, organization " +
      'and token; never shared between two tokens) until what the answer holds may have changed: its ' +
      "time-to-live by type, or sooner when a live-update poller sees a job change or the caller's " +
      'organization runs a mutation. `false`: every query runs.',
  ),
  RESPONSE_CACHE_STORE: about(
    z.enum(['memory', 'redis'], { message: 'must be memory or redis' }).optional(),
    'Where cached answers live: `redis` (needs `REDIS_URL`) shares them between instances; `memory` ' +
      'keeps them in each instance (with `REDIS_URL`, evictions are broadcast to every instance). Keys ' +
      'are hashes: no token is ever stored, in either.',
    '`redis` with `REDIS_URL`, else `memory`',
  ),
  RESPONSE_CACHE_MAX_ENTRIES: about(
    positiveInt.default(5_000),
    'With the `memory` store: most answers kept per instance (least recently used leave first), and ' +
      "most jobs kept from callers' list pages for their `job(id)`.",
  ),
  RESPONSE_CACHE_MAX_BYTES: about(
    positiveInt.default(16 * 1024 * 1024),
    'With the `memory` store: most bytes of answers kept per instance, counted as their JSON (16 MiB ' +
      'by default; they take about twice that of heap). An answer larger than a tenth of it is not cached.',
  ),
};
