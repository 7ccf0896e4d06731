/**
 * Datasets by id for one request. With the caller's cached list (dataset-catalogue.ts) they come from
 * it; an id it lacks is asked for by id (and joins the list; a NOT_FOUND is remembered as missing).
 * The list is fetched with `shared` options, without this request's signal: other requests may share it.
 */
import DataLoader from 'dataloader';
import { isUpstreamError } from '../upstream/errors.js';
import type { Dataset } from '../upstream/schemas.js';
import type { CallOptions, Credentials, UpstreamClient } from '../upstream/types.js';
import { datasetsById, type DatasetCatalogue, type KnownDatasets } from './dataset-catalogue.js';
import { perKeyLoader, toError } from './per-key-loader.js';

export interface DatasetLoaderScope {
  client: UpstreamClient;
  /** Nscale's credentials (throws the request's refusal on another provider). */
  creds: () => Credentials;
  /** The request's call options (its signal and id). */
  opts: CallOptions;
  /** The same without the signal, for what other requests may share. */
  shared: CallOptions;
}

export function datasetLoader(s: DatasetLoaderScope, cache: DatasetCatalogue | undefined): DataLoader<string, Dataset> {
  const { client, opts } = s;
  if (cache === undefined || !cache.enabled) return perKeyLoader((id) => client.getDataset(s.creds(), id, opts));
  const loader: DataLoader<string, Dataset> = new DataLoader<string, Dataset>(async (ids) => {
    let known: KnownDatasets;
    let creds: Credentials;
    try {
      creds = s.creds();
      known = await cache.get(
        creds,
        async () => datasetsById(await client.listDatasets(creds, s.shared)),
        () => opts.reached?.(true),
      );
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
}
