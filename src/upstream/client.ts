/**
 * `createUpstreamClient`: one method per endpoint of the upstream contract
 * (docs/nscale-contract.md), each a short list of what to send, whether it may be retried
 * and which schema reads the answer, grouped by resource (`*-endpoints.ts`). The machinery is in `call.ts`.
 *
 * Retried (idempotent in effect): every GET, DELETE /datasets/{id}, POST /jobs/{id}/cancel and the
 * dry run of POST /jobs. Cancel is retried because cancelling twice leaves the job in the same
 * state (job-endpoints.ts; likewise a repeated DELETE's 404 is success).
 * Never retried: job creation, dataset creation, exports, uploads.
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { createCall, type Call } from './call.js';
import { withCallerShare } from './caller-share.js';
import type { CircuitBreaker, CircuitBreakerView } from './circuit-breaker.js';
import { datasetEndpoints } from './dataset-endpoints.js';
import { fileEndpoints } from './file-endpoints.js';
import { jobEndpoints } from './job-endpoints.js';
import { jobOutputEndpoints } from './job-output-endpoints.js';
import { getExchange, jsonCall } from './json-call.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { UpstreamClientOptions } from './options.js';
import { parseResponse } from './parse-response.js';
import { baseModelSchema, listSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';
import { loggedCircuitBreaker } from './logged-circuit-breaker.js';
import { withCircuitBreaker } from './with-circuit-breaker.js';

export type { UpstreamClientOptions } from './options.js';

/** The client, with `close()` always present: it releases the default Agent (never an injected dispatcher). */
export interface ClosableUpstreamClient extends UpstreamClient {
  close(): Promise<void>;
  /** The circuit breaker, when the client was given one (`options.circuitBreaker`). */
  circuitBreaker: CircuitBreakerView | null;
}

export function createUpstreamClient(options: UpstreamClientOptions): ClosableUpstreamClient {
  const o = resolveOptions(options);
  const ownAgent = options.dispatcher === undefined ? createAgent(o) : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Agent);
  const breaker = loggedCircuitBreaker(options.circuitBreaker, o);
  const call = guardedCall(dispatcher, o, breaker);
  const json = jsonCall(call);
  return {
    listBaseModels: async (creds, opts) =>
      json(
        creds,
        getExchange('/base-models', '/base-models'),
        opts,
        (r, op) => parseResponse(listSchema(baseModelSchema), r, op).data,
      ),
    ...fileEndpoints(json, o),
    ...datasetEndpoints(call, json),
    ...jobEndpoints(call, json),
    ...jobOutputEndpoints(json, o),
    close: async () => {
      await ownAgent?.close();
    },
    circuitBreaker: breaker,
  };
}

/**
 * The call every endpoint makes: the circuit breaker around the exchange, and each caller's share of
 * the connections around both, so that a call waiting for its caller's share is never the upstream's failure.
 */
export function guardedCall(dispatcher: Dispatcher, o: ResolvedOptions, breaker: CircuitBreaker | null): Call {
  const call = breaker ? withCircuitBreaker(createCall(dispatcher, o), breaker) : createCall(dispatcher, o);
  if (o.callerConnections >= o.connections) return call;
  return withCallerShare(call, { perCaller: o.callerConnections, deadlineMs: o.deadlineMs, now: o.now });
}

/** The keep-alive pool a client builds when given no dispatcher (the Together client's too). */
export function createAgent(o: ResolvedOptions): Agent {
  return new Agent({
    connect: { timeout: o.connectTimeoutMs },
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    // Keep-alive pool: a subscription polls the same job every few seconds.
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connections: o.connections,
  });
}
