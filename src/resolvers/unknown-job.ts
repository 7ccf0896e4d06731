/**
 * A job the request's provider does not show the caller (it does not exist, or is another account's),
 * answered alike on every provider and by every field that takes a job id (`job`, `cancelJob`,
 * `jobUpdated`, `exportJobToHuggingFace`), as every other lookup by id is (unknown-id.ts): NOT_FOUND
 * in the gateway's words, naming the argument in `extensions.field`. On Nscale, an id of Together's
 * own form (`ft-…`) that Nscale does not know is answered saying how a Together job is sent.
 */
import type { GatewayContext } from './context.js';
import { asUnknownId, orUnknownId } from './unknown-id.js';

/** `error` in the gateway's words when it is the upstream's NOT_FOUND of the job `id` names; any other error as it is. */
export function asUnknownJob(ctx: GatewayContext, id: string | number, error: unknown, field = 'id'): unknown {
  return asUnknownId(ctx, 'job', id, error, field);
}

/** `work` (a call about the job `id` names), its NOT_FOUND answered as an unknown job of the request's provider. */
export function orUnknownJob<T>(ctx: GatewayContext, id: string | number, work: Promise<T>, field = 'id'): Promise<T> {
  return orUnknownId(ctx, 'job', id, work, field);
}
