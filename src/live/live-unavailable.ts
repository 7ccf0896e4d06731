/**
 * The engine's own failure, not the upstream's: Redis, which carries live updates across instances,
 * cannot be reached, so a subscription cannot start (its instance cannot listen on the job's channel)
 * or cannot go on. Its code is the gateway's `SERVICE_UNAVAILABLE` (a store of the gateway's own is
 * away: subscribe again shortly), which src/resolvers/live-source.ts hands to the client; an
 * UpstreamError would have blamed a healthy upstream (operator trial: `UPSTREAM_UNAVAILABLE` during a
 * Redis outage). The engine imports no GraphQL, so this is a plain Error carrying the code.
 */
export class LiveUpdatesUnavailableError extends Error {
  override readonly name = 'LiveUpdatesUnavailableError';
  readonly code = 'SERVICE_UNAVAILABLE' as const;
}

export function isLiveUpdatesUnavailable(error: unknown): error is LiveUpdatesUnavailableError {
  return error instanceof LiveUpdatesUnavailableError;
}
