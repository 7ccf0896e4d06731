/**
 * Per-request loaders: one set for each GraphQL operation (and cleared per event in a subscription),
 * built around the caller's own credentials. They are never shared between requests: what one
 * caller's token fetched can never answer another caller. Within a request they batch and dedupe,
 * so that a page of jobs costs one request per distinct dataset and one catalogue, whatever its size.
 */
import DataLoader from 'dataloader';
import type { BaseModel, Dataset, Job, Metrics, UpstreamFile } from '../upstream/schemas.js';
import type { Credentials, UpstreamClient } from '../upstream/types.js';
import type { BaseModelCatalogue } from './base-model-catalogue.js';

export interface Loaders {
  /** The whole catalogue, fetched at most once per request (and cached briefly across them). */
  baseModels(): Promise<BaseModel[]>;
  /** A base model by id, or null when the catalogue has no such id. */
  baseModel: DataLoader<string, BaseModel | null>;
  dataset: DataLoader<string, Dataset>;
  file: DataLoader<string, UpstreamFile>;
  job: DataLoader<string, Job>;
  metrics: DataLoader<string, Metrics>;
  /** Forget everything loaded so far (a subscription does so before each event). */
  clearAll(): void;
}

export function createLoaders(client: UpstreamClient, creds: Credentials, catalogue: BaseModelCatalogue, signal?: AbortSignal): Loaders {
  const opts = signal ? { signal } : {};
  let catalogueOnce: Promise<BaseModel[]> | null = null;
  const baseModels = () => {
    if (!catalogueOnce) {
      const once = catalogue.get(creds, () => client.listBaseModels(creds));
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

  const loaders: Loaders = {
    baseModels,
    baseModel: new DataLoader(async (ids) => {
      const models = await baseModels();
      const byId = new Map(models.map((m) => [m.id, m]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    dataset: each((id) => client.getDataset(creds, id, opts)),
    file: each((id) => client.getFile(creds, id, opts)),
    job: each((id) => client.getJob(creds, id, opts)),
    metrics: each((id) => client.getMetrics(creds, id, opts)),
    clearAll() {
      catalogueOnce = null;
      for (const loader of [loaders.baseModel, loaders.dataset, loaders.file, loaders.job, loaders.metrics]) loader.clearAll();
    },
  };
  return loaders;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
