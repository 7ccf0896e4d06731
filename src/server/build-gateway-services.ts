/**
 * The services the resolvers reach through the context (resolvers/context.ts), for the back end
 * (build-backends.ts): each enabled provider's API and caches (one provider's answer never serves the
 * other's caller), the dataset catalogue, the pre-flight token pool; live updates and webhooks are set
 * on them once built.
 */
import type { Settings } from '../config.js';
import { createTokenPool } from '../preflight/token-pool.js';
import { BaseModelCatalogue } from '../resolvers/base-model-catalogue.js';
import { CallerCache } from '../resolvers/caller-cache.js';
import type { GatewayServices, ProviderServices } from '../resolvers/context.js';
import { DatasetCatalogue } from '../resolvers/dataset-catalogue.js';
import type { ProviderName } from '../providers/provider-name.js';
import { nscaleProvider } from '../providers/nscale-provider.js';
import { togetherProvider } from '../providers/together-provider.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { ClosableUpstreamClient } from '../upstream/client.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { GatewayDeps } from './compose-gateway.js';

export function buildGatewayServices(
  settings: Settings,
  deps: GatewayDeps,
  clients: { client: ClosableUpstreamClient; together: TogetherClient | null },
  metrics: GatewayMetrics | null,
): GatewayServices {
  const now = deps.now ?? Date.now;
  const catalogue = new BaseModelCatalogue({
    ttlMs: settings.baseModelCacheMs,
    now,
    ...(metrics ? { onLookup: metrics.catalogueLookup } : {}),
  });
  // Each provider's caches are its own: one provider's answer can never serve the other's caller.
  const providers = new Map<ProviderName, ProviderServices>();
  for (const name of settings.providers) {
    if (name === 'nscale') providers.set(name, { api: nscaleProvider(clients.client), catalogue });
    else if (clients.together)
      providers.set(name, {
        api: togetherProvider(clients.together),
        together: clients.together,
        catalogue: new CallerCache({ ttlMs: settings.baseModelCacheMs, now }),
      });
  }
  return {
    client: clients.client,
    catalogue,
    providers,
    datasets: new DatasetCatalogue({ ttlMs: settings.datasetCacheMs, now }),
    live: null, // set once live updates are built, which needs the client first
    now,
    // One figure for the analysis and for the file parts it reads (upload-limits.ts).
    preflight: {
      pool:
        deps.tokenPool ??
        createTokenPool({
          heapLimitMb: settings.analyzeWorkerHeapMb,
          // A share per caller (analysis-admission.ts); refusals counted by reason.
          admission: { ...settings.analyzeAdmission, ...(metrics ? { onRefused: metrics.analyzeRefused } : {}) },
        }),
      maxBytes: settings.maxAnalyzeBytes,
      duplicateRows: settings.analyzeDuplicateRows,
    },
    webhooks: null,
    downloads: null,
    creationKeys: null,
  };
}
