/**
 * The upstream simulator: a stateful HTTP server that speaks the fine-tuning REST contract
 * (docs/nscale-contract.md) for several organizations at once. This file only composes.
 */
import { SEED_BASE_MODELS } from './seed-base-models.js';
import type { SimulatorDeps } from './api-context.js';
import { createAuthenticator } from './auth.js';
import { createDownloadRegistry } from './downloads.js';
import { createFaultInjector, type FaultOptions } from './faults.js';
import { closeServer, listen, setFaultsOn } from './http-server.js';
import { resolveOptions, type SimulatorOptions } from './options.js';
import { createRowCounter } from './row-counter.js';
import { createRequestListener } from './server.js';
import { createRequestStats, type RecordedRequest } from './stats.js';
import { createStore } from './store.js';

export type { FaultOptions } from './faults.js';
export type { SimulatorOptions } from './options.js';

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `origin + '/api/v1'`; the organization base is `apiBaseUrl + '/organizations/{id}'`. */
  apiBaseUrl: string;
  /** Request counts keyed `METHOD /route-template`, e.g. `{ "GET /jobs/{id}": 12 }`; absent keys are 0. */
  stats(): Record<string, number>;
  resetStats(): void;
  /** The latest requests' route and correlation headers (`x-request-id`, `traceparent`), oldest first. */
  recentRequests(): RecordedRequest[];
  /** Replaces the faults in force (`{}` clears them). */
  setFaults(faults: FaultOptions): void;
  /** Stops listening and ends open connections, keep-alive ones included. */
  close(): Promise<void>;
}

export async function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const credit = new Map<string, number>();
  for (const tenant of resolved.tenants) {
    if (tenant.creditUsd !== undefined && !credit.has(tenant.organizationId))
      credit.set(tenant.organizationId, tenant.creditUsd);
  }
  let origin = '';
  const deps: SimulatorDeps = {
    options: resolved,
    store: createStore(credit),
    downloads: createDownloadRegistry(resolved.downloadUrlTtlSeconds * 1000),
    models: SEED_BASE_MODELS,
    origin: () => origin,
    rowCounter: createRowCounter(),
  };
  const stats = createRequestStats();
  const faults = createFaultInjector(resolved.faults);
  const listener = createRequestListener({
    deps,
    stats,
    faults,
    auth: createAuthenticator(resolved.tenants, resolved.jwtSecret),
  });
  const { server, origin: listening } = await listen(listener, resolved.port, resolved.host);
  origin = listening;

  return {
    origin,
    apiBaseUrl: `${origin}/api/v1`,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    recentRequests: () => stats.recent(),
    setFaults: setFaultsOn(faults),
    close: async () => {
      await closeServer(server);
      await deps.rowCounter.close();
    },
  };
}
