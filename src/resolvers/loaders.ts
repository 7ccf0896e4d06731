/**
 * Per-request loaders: one set for each GraphQL operation (and cleared per event in a subscription),
 * built around the caller's own credentials. They are never shared between requests: what one
 * caller's token fetched can never answer another caller. Within a request they batch and dedupe,
 * so that a page of jobs costs one catalogue and one list of datasets (both also cached briefly across
 * requests, per caller), whatever its size.
 */
import DataLoader from 'dataloader';
import type { ProviderBaseModel, ProviderFile } from '../providers/fine-tuning-provider.js';
import type { Dataset, Job, Metrics } from '../upstream/schemas.js';
import type { TogetherCheckpoint, TogetherEvent } from '../upstream/together/wire-job-reads.js';
import type { CallCredentials, CallOptions, Credentials, UpstreamClient } from '../upstream/types.js';
import { nscaleProvider } from '../providers/nscale-provider.js';
import { togetherJobView, type TogetherJobView } from '../providers/together-job.js';
import { withPublicIds } from '../providers/together-public-ids.js';
import type { BaseModelCatalogue } from './base-model-catalogue.js';
import type { ProviderServices } from './context.js';
import type { DatasetCatalogue } from './dataset-catalogue.js';
import { datasetLoader } from './dataset-loader.js';
import { perKeyLoader } from './per-key-loader.js';

export interface Loaders {
  /** The whole catalogue, fetched at most once per request (and cached briefly across them). */
  baseModels(): Promise<ProviderBaseModel[]>;
  /** A base model by id, or null when the catalogue has no such id. */
  baseModel: DataLoader<string, ProviderBaseModel | null>;
  /** A dataset from the caller's cached list (see dataset-catalogue.ts), or by id when it lacks it. */
  dataset: DataLoader<string, Dataset>;
  /** A dataset by id, always from the upstream (a single lookup: fresh, and one call either way). */
  datasetById: DataLoader<string, Dataset>;
  /** A file by the upstream's own id, on the request's provider (with its public id). */
  file: DataLoader<string, ProviderFile>;
  /** A job by the upstream's own id, on the request's provider (a Together job under its public id). */
  job: DataLoader<string, Job | TogetherJobView>;
  metrics: DataLoader<string, Metrics>;
  /** A Together job's event log and saved checkpoints, by its upstream id (Together requests only). */
  events: DataLoader<string, TogetherEvent[]>;
  checkpoints: DataLoader<string, TogetherCheckpoint[]>;
  /** Forget everything loaded so far (a subscription does so before each event). */
  clearAll(): void;
}

/**
 * `request`: the request's provider (its seam and catalogue cache) and its credentials there; the
 * catalogue comes through the seam. `client`/`creds`: Nscale's client and credentials, for what only
 * runs on Nscale so far (a loader used on another provider's request throws that request's refusal).
 * `opts`: the request's call options (its signal and id). `datasets`: the caller's cached list of
 * datasets; without it (or with a TTL of 0) each is fetched by id.
 */
export function createRequestLoaders(
  request: { provider: ProviderServices; creds: CallCredentials },
  client: UpstreamClient,
  nscaleCreds: () => Credentials,
  opts: CallOptions = {},
  datasets?: DatasetCatalogue,
): Loaders {
  // What other requests may share (the catalogue, the list of datasets) is fetched without this
  // request's signal, but with its id: the request that asked first is the one the call serves.
  // `reached` too: the request that asked first learns that the upstream accepted its credentials
  // (its context's `upstreamAccepted`, which the response cache stores an answer on).
  const shared: CallOptions = {
    ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
    ...(opts.reached ? { reached: opts.reached } : {}),
  };
  let catalogueOnce: Promise<ProviderBaseModel[]> | null = null;
  const { provider, creds: requestCreds } = request;
  // Its errors name ids as the gateway gives them out (`together:ft-…`).
  const together = provider.api.name === 'together' && provider.together ? withPublicIds(provider.together) : undefined;
  const bearer = { token: requestCreds.token };
  const togetherOnly = () => {
    if (!together) throw new Error('a Together job history was asked on another provider');
    return together;
  };
  const baseModels = () => {
    if (!catalogueOnce) {
      const once = provider.catalogue.get(
        requestCreds,
        () => provider.api.listBaseModels(requestCreds, shared),
        () => opts.reached?.(true),
      );
      catalogueOnce = once;
      // A failure is not remembered: a subscription's next event (or a retry) asks again.
      once.catch(() => {
        if (catalogueOnce === once) catalogueOnce = null;
      });
    }
    return catalogueOnce;
  };

  const loaders: Loaders = {
    baseModels,
    baseModel: new DataLoader(async (ids) => {
      const models = await baseModels();
      const byId = new Map(models.map((m) => [m.id, m]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    dataset: datasetLoader({ client, creds: nscaleCreds, opts, shared }, datasets),
    datasetById: perKeyLoader((id) => client.getDataset(nscaleCreds(), id, opts)),
    file: perKeyLoader((id) => provider.api.getFile(requestCreds, id, opts)),
    job: perKeyLoader<Job | TogetherJobView>((id) =>
      together ? together.getJob(bearer, id, opts).then(togetherJobView) : client.getJob(nscaleCreds(), id, opts),
    ),
    metrics: perKeyLoader<Metrics>((id) =>
      together ? together.getMetrics(bearer, id, opts) : client.getMetrics(nscaleCreds(), id, opts),
    ),
    events: perKeyLoader((id) => togetherOnly().listEvents(bearer, id, opts)),
    checkpoints: perKeyLoader((id) => togetherOnly().listCheckpoints(bearer, id, opts)),
    clearAll() {
      catalogueOnce = null;
      for (const loader of [
        loaders.baseModel,
        loaders.dataset,
        loaders.datasetById,
        loaders.file,
        loaders.job,
        loaders.metrics,
        loaders.events,
        loaders.checkpoints,
      ])
        loader.clearAll();
    },
  };
  return loaders;
}

/** Loaders of an Nscale caller, over its client alone (the seam built here): what specs of the loaders use. */
export function createLoaders(
  client: UpstreamClient,
  creds: Credentials,
  catalogue: BaseModelCatalogue,
  opts: CallOptions = {},
  datasets?: DatasetCatalogue,
): Loaders {
  const provider = { api: nscaleProvider(client), catalogue };
  return createRequestLoaders({ provider, creds }, client, () => creds, opts, datasets);
}
