/**
 * Who a webhook operation acts for, and the check that comes before any of their rows is read or
 * changed: the caller's credentials are shown to the upstream first (Nscale: a one-job page of the
 * organization's jobs; Together: the key's jobs list), and only an owner the upstream has accepted
 * reaches the store. An organization id sent beside a token that the upstream refuses for it stops
 * here with the upstream's own coded error (FORBIDDEN, UNAUTHENTICATED), never touching a row.
 *
 * The owner is the provider and its account: Nscale's organization id; on Together, which has no
 * organization ids, the fingerprint of the key (as the live-update engine names it). The check runs
 * once per request, however many fields (an endpoint and its deliveries) need it.
 */
import { gatewayError } from '../../errors/gateway-error.js';
import { togetherJobView } from '../../providers/together-job.js';
import { togetherLiveCredentials } from '../../providers/together-live-client.js';
import type { JobStatus } from '../../upstream/schemas.js';
import type { CallCredentials } from '../../upstream/types.js';
import type { WebhookOwner, WebhookStore } from '../../webhooks/webhook-store.js';
import type { GatewayContext } from '../context.js';
import type { WebhookServices } from './webhook-services.js';

export interface OwnedJob {
  jobId: string;
  status: JobStatus;
}

/** A caller the upstream has accepted: whose rows they may touch, and what an endpoint stores of them. */
export interface WebhookCaller {
  owner: WebhookOwner;
  /** Nscale: the token and organization id; Together: the key. Stored sealed, never returned. */
  credentials: CallCredentials;
  services: WebhookServices;
  store: WebhookStore;
  /** Every job of the owner now (ids as the API shows them): a new endpoint's baseline. */
  jobs(): Promise<OwnedJob[]>;
}

/** Nscale's largest page (docs/nscale-contract.md): the baseline of a new endpoint is read in pages of it. */
const NSCALE_PAGE = 100;

/** The webhook services, or FORBIDDEN saying webhooks are off (before any upstream call). */
export function webhookServices(ctx: GatewayContext): WebhookServices {
  const services = ctx.services.webhooks;
  if (!services)
    throw gatewayError(
      'FORBIDDEN',
      'Webhooks are off on this gateway (WEBHOOKS_ENABLED=false): its operator has not enabled webhook endpoints.',
      { setting: 'WEBHOOKS_ENABLED' },
    );
  return services;
}

const checked = new WeakMap<GatewayContext, Promise<WebhookCaller>>();

/**
 * The caller, checked with the upstream (once per request), with the store open. `forBaseline`: the
 * operation will read the owner's jobs (creation), so Nscale's check reads their first page whole
 * (one call for both) instead of a page of one.
 */
export function webhookCaller(ctx: GatewayContext, forBaseline = false): Promise<WebhookCaller> {
  let caller = checked.get(ctx);
  if (!caller) {
    caller = checkCaller(ctx, forBaseline);
    checked.set(ctx, caller);
  }
  return caller;
}

async function checkCaller(ctx: GatewayContext, forBaseline: boolean): Promise<WebhookCaller> {
  const services = webhookServices(ctx);
  const { provider, credentials } = ctx.session();
  const together = provider.api.name === 'together' ? provider.together : undefined;
  let caller: Omit<WebhookCaller, 'services' | 'store'>;
  if (together) {
    const key = { token: credentials.token };
    // Together lists an account's jobs whole: the check and the baseline are one call.
    const jobs = (await together.listJobs(key, ctx.call)).map(togetherJobView);
    caller = {
      owner: { provider: 'together', ownerKey: togetherLiveCredentials(key.token).organizationId },
      credentials: key,
      jobs: async () => jobs.map((job) => ({ jobId: job.id, status: job.status })),
    };
  } else {
    const creds = ctx.credentials();
    const list = (offset: number, limit: number) => ctx.services.client.listJobs(creds, { ...ctx.call, limit, offset });
    const first = await list(0, forBaseline ? NSCALE_PAGE : 1);
    caller = {
      owner: { provider: 'nscale', ownerKey: creds.organizationId },
      credentials: { token: creds.token, organizationId: creds.organizationId },
      jobs: async () => {
        // Newest first by offset: a job created meanwhile pushes the rest down, so a job may be read
        // twice (kept once) but none is missed; the new one is not in the baseline and sends JOB_CREATED.
        const jobs = new Map<string, OwnedJob>();
        let page = forBaseline ? first : await list(0, NSCALE_PAGE);
        for (let offset = 0; ;) {
          for (const job of page.jobs) jobs.set(job.id, { jobId: job.id, status: job.status });
          offset += page.jobs.length;
          if (page.jobs.length === 0 || offset >= page.total) return [...jobs.values()];
          page = await list(offset, NSCALE_PAGE);
        }
      },
    };
  }
  // Opened only for a caller the upstream accepted: a stranger's request never reaches the store.
  return { ...caller, services, store: await services.store() };
}
