/**
 * A brief cache of each caller's datasets, by id (see caller-cache.ts for why that is safe). Datasets
 * change rarely and the contract lists them all in one call (`GET /datasets`), so a page of jobs with
 * `dataset { name }` costs that one call when cold and none when warm, instead of one
 * `GET /datasets/{id}` per distinct dataset on every request.
 *
 * Freshness: an id the cached list lacks (a dataset created a moment ago, or one of another
 * organization) is asked for by id, and the answer joins the caller's entry: the dataset, or its
 * NOT_FOUND (an id that is gone stays gone, so a job whose dataset was deleted does not cost a call on
 * every page). A deletion through this gateway forgets the caller's entry, and a list read before it and
 * answered after it is not kept (`CallerCache.set`'s mark); one made elsewhere shows within the TTL.
 * Single lookups (`Query.dataset`, the checks of `createJob`) do not use this cache.
 */
import type { Dataset } from '../upstream/schemas.js';
import { CallerCache } from './caller-cache.js';

export interface KnownDatasets {
  byId: Map<string, Dataset>;
  /** Ids the upstream answered NOT_FOUND for, with that error. */
  missing: Map<string, Error>;
}

export class DatasetCatalogue extends CallerCache<KnownDatasets> {}

/** The entry of a full list, for `DatasetCatalogue.get` and `set`. */
export function datasetsById(datasets: readonly Dataset[]): KnownDatasets {
  return { byId: new Map(datasets.map((d) => [d.id, d])), missing: new Map() };
}
