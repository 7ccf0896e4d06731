/**
 * How the dashboard's WebSocket comes back after losing the gateway (a restart, a deploy, a network
 * change): tried again and again with a capped, jittered exponential backoff (about 0.5, 1, 2, 4, 8 s,
 * then every 10 s) for about five minutes in all, whatever the loss looked like. A browser reports a
 * refused connection (the gateway still restarting) as a plain `Event` without a close code, which
 * graphql-ws's default `shouldRetry` takes for final: the page then stopped updating for good after a
 * restart of more than a second or two. The close codes after which trying again cannot help (4400
 * bad request, 4401, 4406, 4409, 4429, 4500…) graphql-ws ends on by itself, before asking this.
 *
 * Pure (no DOM, no timers): test/dashboard/dashboard-reconnect-policy.spec.ts reads it directly.
 */

/** Retries in a row before the subscriptions end with "connection lost" (a success starts the count again). */
export const RETRY_ATTEMPTS = 35;

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** The wait before retry number `retries` (0 for the first), ±25 % so that a fleet of tabs does not come back at once. */
export function retryDelayMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(retries, 20));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/**
 * Whether to try again after `reason` (a CloseEvent, or the plain `Event` of a refused or failed
 * connection): always, within RETRY_ATTEMPTS. A gateway going away (1001), restarting (1012) or not
 * there yet (a refused connection) is back soon; a tab can sit through it.
 */
export function shouldRetry(_reason: unknown): boolean {
  return true;
}
