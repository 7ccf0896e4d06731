/**
 * Per-request loaders: one set for each GraphQL operation (and cleared per event in a subscription),
 * built around the caller's own credentials. They are never shared between requests: what one
 * caller's token fetched can never answer another caller. Within a request they batch and dedupe,
 * so that a page of jobs costs one catalogue and one list of datasets (both also cached briefly across
 * requests, per caller), whatever its size.
 */
import DataLoader from 'dataloader';
import type { BaseModel, Dataset, Job, Metrics, UpstreamFile } from '../upstream/schemas.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { CallOptions, Credentials, UpstreamClient } from '../upstream/types.js';
import type { BaseModelCatalogue } from './base-model-catalogue.js';
import { datasetsById, type DatasetCatalogue, type KnownDatasets } from './dataset-catalogue.js';

export interface Loaders {
  /** The whole catalogue, fetched at most once per request (and cached briefly across them). */
  baseModels(): Promise<BaseModel[]>;
  /** A base model by id, or null when the catalogue has no such id. */
  baseModel: DataLoader<string, BaseModel | null>;
  /** A dataset from the caller's cached list (see dataset-catalogue.ts), or by id when it lacks it. */
  dataset: DataLoader<string, Dataset>;
  /** A dataset by id, always from the upstream (a single lookup: fresh, and one call either way). */
  datasetById: DataLoader<string, Dataset>;
  file: DataLoader<string, UpstreamFile>;
  job: DataLoader<string, Job>;
  metrics: DataLoader<string, Metrics>;
  /** Forget everything loaded so far (a subscription does so before each event). */
  clearAll(): void;
}

/**
 * `opts`: the request's call options (its signal and id). `datasets`: the caller's cached list of
 * datasets; without it (or with a TTL of 0) each is fetched by id.
 */
export function createLoaders(
  client: UpstreamClient,
  creds: Credentials,
  catalogue: BaseModelCatalogue,
  opts: CallOptions = {},
  datasets?: DatasetCatalogue,
): Loaders {
  // What other requests may share (the catalogue, the list of datasets) is fetched without this
  // request's signal, but with its id: the request that asked first is the one the call serves.
  const shared: CallOptions = opts.requestId === undefined ? {} : { requestId: opts.requestId };
  let catalogueOnce: Promise<BaseModel[]> | null = null;
  const baseModels = () => {
    if (!catalogueOnce) {
      const once = catalogue.get(creds, () => client.listBaseModels(creds, shared));
      catalogueOnce = once;
      // A failure is not remembered: a subscription's next event (or a retry) asks again.
      once.catch(() => {
        if (catalogueOnce === once) catalogueOnce = null;
      });
    }
    return catalogueOnce;
  };

  // The upstream has no batch endpoints: a batch is the distinct keys of one tick, fetched in parallel.
  // DataLoader would keep a failed key's rejection for the loader's life (a subscription's whole life):
  // failed keys are forgotten, so only successes are reused.
  const each = <V>(get: (id: string) => Promise<V>) => {
    const loader: DataLoader<string, V> = new DataLoader<string, V>((ids) =>
      Promise.all(
        ids.map((id) =>
          get(id).catch((error: unknown) => {
            loader.clear(id);
            return toError(error);
          }),
        ),
      ),
    );
    return loader;
  };

  // The caller's datasets come from their cached list; an id it lacks is asked for by id (and joins
  // the list). The list is fetched without this request's signal (`shared`): other requests may share it.
  const datasetLoader = (): DataLoader<string, Dataset> => {
    const cache = datasets;
    if (cache === undefined || !cache.enabled) return each((id) => client.getDataset(creds, id, opts));
    const loader: DataLoader<string, Dataset> = new DataLoader<string, Dataset>(async (ids) => {
      let known: KnownDatasets;
      try {
        known = await cache.get(creds, async () => datasetsById(await client.listDatasets(creds, shared)));
      } catch (error) {
        for (const id of ids) loader.clear(id);
        return ids.map(() => toError(error));
      }
      return Promise.all(
        ids.map(async (id) => {
          const hit = known.byId.get(id) ?? known.missing.get(id);
          if (hit) return hit;
          try {
            const found = await client.getDataset(creds, id, opts);
            known.byId.set(id, found);
            return found;
          } catch (error) {
            if (isUpstreamError(error) && error.code === 'NOT_FOUND') known.missing.set(id, error);
            loader.clear(id);
            return toError(error);
          }
        }),
      );
    });
    return loader;
  };

  const loaders: Loaders = {
    baseModels,
    baseModel: new DataLoader(async (ids) => {
      const models = await baseModels();
      const byId = new Map(models.map((m) => [m.id, m]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    dataset: datasetLoader(),
    datasetById: each((id) => client.getDataset(creds, id, opts)),
    file: each((id) => client.getFile(creds, id, opts)),
    job: each((id) => client.getJob(creds, id, opts)),
    metrics: each((id) => client.getMetrics(creds, id, opts)),
    clearAll() {
      catalogueOnce = null;
      for (const loader of [
        loaders.baseModel,
        loaders.dataset,
        loaders.datasetById,
        loaders.file,
        loaders.job,
        loaders.metrics,
      ])
        loader.clearAll();
    },
  };
  return loaders;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
