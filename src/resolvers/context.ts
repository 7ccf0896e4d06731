/**
 * What every resolver receives: the request's provider and the caller's credentials there (or why
 * there are none), their own loaders, and the gateway's services. Built once per HTTP request, and
 * once per subscription.
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import type { LiveUpdates } from '../live/hub.js';
import type { FineTuningProvider, ProviderBaseModel } from '../providers/fine-tuning-provider.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { Job } from '../upstream/schemas.js';
import type { CallCredentials, CallOptions, Credentials, UpstreamClient } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { PreflightService } from './analyze-dataset.js';
import type { CallerCache } from './caller-cache.js';
import type { CreationKeys } from './create-job-once.js';
import type { BaseModelCatalogue } from './base-model-catalogue.js';
import type { DatasetCatalogue } from './dataset-catalogue.js';
import type { DownloadLinks } from './download-link.js';
import { createRequestLoaders, type Loaders } from './loaders.js';
import type { WebhookServices } from './webhooks/webhook-services.js';

/** One enabled provider: its seam and its own caches (keyed by caller within it). */
export interface ProviderServices {
  api: FineTuningProvider;
  catalogue: CallerCache<ProviderBaseModel[]>;
  /** Together's own client, on Together only: its jobs, estimates and outputs, which share no shape with Nscale's. */
  together?: TogetherClient;
  /** Together's own live updates (pollers keyed by provider and account), on Together only; Nscale's are `GatewayServices.live`. */
  live?: LiveUpdates;
}

export interface GatewayServices {
  /** Nscale's client: what only runs on Nscale so far goes through it. */
  client: UpstreamClient;
  /** Nscale's catalogue cache (kept for the catalogue metrics); the seam's caches are in `providers`. */
  catalogue: BaseModelCatalogue;
  /** The enabled providers, in preference order (the first serves requests that name none). */
  providers: ReadonlyMap<ProviderName, ProviderServices>;
  /** Each caller's datasets, cached briefly; absent: every dataset is fetched by id. */
  datasets?: DatasetCatalogue;
  /** Live updates for subscriptions; null where the gateway runs without them. */
  live: LiveUpdates | null;
  /** The gateway's clock (ms since the epoch): what estimates such as `Job.estimatedSecondsLeft` count from. */
  now: () => number;
  /** The pre-flight analysis: its token pool (threads started on first use) and size limit. */
  preflight: PreflightService;
  /** Webhook endpoints and deliveries (their store, settings, URL policy, clock); null when WEBHOOKS_ENABLED is false. */
  webhooks: WebhookServices | null;
  /**
   * The gateway's own download links (Together's `downloadUrl`: download-link.ts), on the database the
   * webhooks use; null without one (WEBHOOKS_ENABLED=false, or DATABASE_URL without
   * WEBHOOK_ENCRYPTION_KEY): `downloadUrl` is then Together's own endpoint.
   */
  downloads: DownloadLinks | null;
  /**
   * `createJob`'s idempotency keys (create-job-once.ts), on the database the webhooks use; null or
   * absent without one (WEBHOOKS_ENABLED=false): a keyed `createJob` is then SERVICE_UNAVAILABLE.
   */
  creationKeys?: CreationKeys | null;
}

/**
 * The jobs the caller's Nscale list pages read lately (server/response-cache/listed-jobs.ts), which
 * its `job(id)` may take instead of asking the upstream again. (Together's list holds truncated jobs:
 * jobs-connection.ts keeps none.)
 */
export interface ListedJobs {
  /** Keeps a page's jobs, read from a list asked at `askedAt` (before its call was sent). */
  remember(jobs: readonly Job[], askedAt: number): void;
  /** A job kept and still fresh enough to answer with (its answer is then cached only as long as it is). */
  recall(id: string): Job | undefined;
}

export interface GatewayContext {
  services: GatewayServices;
  /** The request's provider and the caller's credentials there; throws (BAD_USER_INPUT, UNAUTHENTICATED) when there are none. */
  session(): { provider: ProviderServices; credentials: CallCredentials };
  /**
   * The caller's Nscale credentials, for what runs on Nscale only so far; throws UNAUTHENTICATED
   * (with the reason) when there are none, and BAD_USER_INPUT naming the provider when the request
   * is for another.
   */
  credentials(): Credentials;
  /** The caller's loaders, made on first use; throws like `session()`. */
  loaders(): Loaders;
  /**
   * Options for upstream calls: the caller's AbortSignal, so that calls stop when the caller goes
   * away, the request's id, so that the upstream and the client's log lines carry it, and `reached`,
   * which `upstreamAccepted` reads.
   */
  call: CallOptions;
  /**
   * Whether an upstream call of this operation got past the upstream's check of the caller's
   * credentials (answered other than 401 or 403, or lost its answer after sending): what a change
   * the operation made can only have come from. A token made up, or an organization not the
   * token's, never does (the response cache's eviction after a mutation reads it).
   */
  upstreamAccepted(): boolean;
  /**
   * Set by the response cache (use-response-cache.ts) on a query it serves, when it keeps listed
   * jobs: absent on mutations, subscriptions, and without the cache, which always ask the upstream.
   */
  listedJobs?: ListedJobs;
}

/** The request's provider and the caller's credentials there, or the error that says why there are none. */
export type CredentialsOutcome =
  { ok: true; provider: ProviderName; credentials: CallCredentials } | { ok: false; error: GraphQLError };

export function createGatewayContext(
  services: GatewayServices,
  outcome: CredentialsOutcome,
  call: CallOptions = {},
): GatewayContext {
  let loaders: Loaders | undefined;
  let accepted = false;
  const callOptions: CallOptions = {
    ...call,
    reached: (yes) => {
      if (yes) accepted = true;
      call.reached?.(yes);
    },
  };
  const session = () => {
    if (!outcome.ok) throw outcome.error;
    const provider = services.providers.get(outcome.provider);
    // credentials.ts only names enabled providers.
    if (!provider) throw new Error(`provider ${outcome.provider} is not enabled`);
    return { provider, credentials: outcome.credentials };
  };
  const credentials = (): Credentials => {
    const { provider, credentials: creds } = session();
    if (provider.api.name !== 'nscale' || creds.organizationId === undefined)
      throw gatewayError(
        'BAD_USER_INPUT',
        `This operation is not available on provider ${provider.api.name} yet: it runs on nscale only ` +
          `(send X-Provider: nscale, or over WebSocket connectionParams.provider).`,
        { provider: provider.api.name },
      );
    return { token: creds.token, organizationId: creds.organizationId };
  };
  return {
    services,
    session,
    credentials,
    loaders: () => {
      if (loaders) return loaders;
      const { provider, credentials: creds } = session();
      loaders = createRequestLoaders({ provider, creds }, services.client, credentials, callOptions, services.datasets);
      return loaders;
    },
    call: callOptions,
    upstreamAccepted: () => accepted,
  };
}
