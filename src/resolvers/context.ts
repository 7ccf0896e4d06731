/**
 * What every resolver receives: the caller's credentials (or why there are none), their own loaders,
 * and the gateway's services. Built once per HTTP request, and once per subscription.
 */
import type { GraphQLError } from 'graphql';
import type { LiveUpdates } from '../live/hub.js';
import type { CallOptions, Credentials, UpstreamClient } from '../upstream/types.js';
import type { PreflightService } from './analyze-dataset.js';
import type { BaseModelCatalogue } from './base-model-catalogue.js';
import type { DatasetCatalogue } from './dataset-catalogue.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface GatewayServices {
  client: UpstreamClient;
  catalogue: BaseModelCatalogue;
  /** Each caller's datasets, cached briefly; absent: every dataset is fetched by id. */
  datasets?: DatasetCatalogue;
  /** Live updates for subscriptions; null where the gateway runs without them. */
  live: LiveUpdates | null;
  /** The gateway's clock (ms since the epoch): what estimates such as `Job.estimatedSecondsLeft` count from. */
  now: () => number;
  /** The pre-flight analysis: its token pool (threads started on first use) and size limit. */
  preflight: PreflightService;
}

export interface GatewayContext {
  services: GatewayServices;
  /** The caller's credentials; throws UNAUTHENTICATED (with the reason) when there are none. */
  credentials(): Credentials;
  /** The caller's loaders, made on first use; throws like `credentials()`. */
  loaders(): Loaders;
  /**
   * Options for upstream calls: the caller's AbortSignal, so that calls stop when the caller goes
   * away, and the request's id, so that the upstream and the client's log lines carry it.
   */
  call: CallOptions;
}

/** The caller's credentials, or the error that says why there are none. */
export type CredentialsOutcome = { ok: true; credentials: Credentials } | { ok: false; error: GraphQLError };

export function createGatewayContext(
  services: GatewayServices,
  outcome: CredentialsOutcome,
  call: CallOptions = {},
): GatewayContext {
  let loaders: Loaders | undefined;
  const credentials = () => {
    if (!outcome.ok) throw outcome.error;
    return outcome.credentials;
  };
  return {
    services,
    credentials,
    loaders: () =>
      (loaders ??= createLoaders(services.client, credentials(), services.catalogue, call, services.datasets)),
    call,
  };
}
