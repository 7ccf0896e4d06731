/**
 * Nscale behind the provider seam (fine-tuning-provider.ts), over the Nscale client. Its ids and
 * shapes are today's, unchanged: a client that never names a provider sees exactly what it saw.
 */
import { jobStatusSchema } from '../upstream/schemas.js';
import type { CallCredentials, Credentials, UpstreamClient } from '../upstream/types.js';
import type { FineTuningProvider, ProviderCapabilities } from './fine-tuning-provider.js';

export const NSCALE_CAPABILITIES: ProviderCapabilities = {
  priceEstimate: true,
  datasets: true,
  huggingFaceExport: true,
  cancel: true,
  delete: false,
  checkpoints: false,
  events: false,
  metricsResolution: false,
  dpo: false,
  fullTraining: false,
};

export function nscaleProvider(client: UpstreamClient): FineTuningProvider {
  return {
    name: 'nscale',
    capabilities: NSCALE_CAPABILITIES,
    jobStatuses: jobStatusSchema.options,
    listBaseModels: async (creds, opts) =>
      (await client.listBaseModels(nscaleCredentials(creds), opts)).map((m) => ({ provider: 'nscale', ...m })),
    uploadFile: async (creds, { filename, body, contentType }, opts) => ({
      provider: 'nscale',
      ...(await client.uploadFile(nscaleCredentials(creds), { filename, body, contentType }, opts)),
    }),
    getFile: async (creds, id, opts) => ({
      provider: 'nscale',
      ...(await client.getFile(nscaleCredentials(creds), id, opts)),
    }),
  };
}

/** Nscale's credentials always carry an organization (credentials.ts refuses a request without one). */
function nscaleCredentials(creds: CallCredentials): Credentials {
  if (creds.organizationId === undefined) throw new TypeError('Nscale credentials need an organization id');
  return { token: creds.token, organizationId: creds.organizationId };
}
