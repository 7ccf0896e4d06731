/**
 * The Together simulator: a stateful HTTP server that speaks Together AI's fine-tuning and files API
 * (docs/together-contract.md) under `/v1`, for several accounts at once, with the Nscale simulator's
 * fault injection and admin routes. This file only composes.
 */
import { createFaultInjector } from '../faults.js';
import { closeServer, listen, setFaultsOn } from '../http-server.js';
import type { Simulator } from '../index.js';
import { createRequestStats } from '../stats.js';
import { createTogetherAuthenticator } from './auth.js';
import type { LinkedFile, TogetherDeps } from './context.js';
import { createLinkRegistry } from './links.js';
import { resolveTogetherOptions, type TogetherSimulatorOptions } from './options.js';
import { createTogetherListener } from './server.js';
import { createTogetherStore } from './store.js';

export type { TogetherSimulatorOptions } from './options.js';

/** Same surface as `Simulator`; `apiBaseUrl` is `origin + '/v1'`, what the SDK's `baseURL` takes. */
export type TogetherSimulator = Simulator;

export async function startTogetherSimulator(options?: TogetherSimulatorOptions): Promise<TogetherSimulator> {
  const resolved = resolveTogetherOptions(options);
  const balances = new Map(
    resolved.tenants.flatMap((t) => (t.balanceUsd === undefined ? [] : [[t.accountId, t.balanceUsd] as const])),
  );
  let origin = '';
  const ttlMs = resolved.downloadUrlTtlSeconds * 1000;
  const deps: TogetherDeps = {
    options: resolved,
    store: createTogetherStore((account) => balances.get(account) ?? resolved.startingBalanceUsd),
    uploads: createLinkRegistry<{ accountId: string; fileId: string }>(ttlMs),
    downloads: createLinkRegistry<LinkedFile>(ttlMs),
    origin: () => origin,
  };
  const stats = createRequestStats();
  const faults = createFaultInjector(resolved.faults);
  const listener = createTogetherListener({
    deps,
    stats,
    faults,
    authenticate: createTogetherAuthenticator(resolved.tenants),
  });
  const { server, origin: listening } = await listen(listener, resolved.port, resolved.host);
  origin = listening;

  return {
    origin,
    apiBaseUrl: `${origin}/v1`,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    recentRequests: () => stats.recent(),
    setFaults: setFaultsOn(faults),
    close: () => closeServer(server),
  };
}
