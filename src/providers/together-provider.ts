/**
 * Together AI behind the provider seam (fine-tuning-provider.ts), over the gateway's Together client.
 * Together's credentials are its API key alone; what its catalogue does not say is null.
 */
import { TOGETHER_GATEWAY_STATUSES } from '../upstream/together/job-status.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { TogetherFile } from '../upstream/together/wire-files.js';
import type { FineTuningProvider, ProviderCapabilities, ProviderFile } from './fine-tuning-provider.js';
import { publicId } from './provider-ids.js';
import { withPublicIds } from './together-public-ids.js';

export const TOGETHER_CAPABILITIES: ProviderCapabilities = {
  priceEstimate: true,
  datasets: false,
  huggingFaceExport: true,
  cancel: true,
  // Together deletes an ended job, and samples metrics to a resolution; no operation of this API asks either.
  delete: false,
  checkpoints: true,
  events: true,
  metricsResolution: false,
  dpo: true,
  fullTraining: true,
};

export function togetherProvider(together: TogetherClient): FineTuningProvider {
  const client = withPublicIds(together);
  return {
    name: 'together',
    capabilities: TOGETHER_CAPABILITIES,
    jobStatuses: TOGETHER_GATEWAY_STATUSES,
    listBaseModels: async (creds, opts) =>
      (await client.listBaseModels({ token: creds.token }, opts)).map((m) => ({
        provider: 'together',
        id: m.id,
        name: m.name,
        organization: m.organization,
        contextLength: m.contextLength,
        supportedBatchSizes: m.supportedBatchSizes,
        trainingPrecision: m.trainingPrecision,
        togetherLimits: m.limits,
        togetherPricePerMillionTokens: m.pricePerMillionTokens,
      })),
    uploadFile: async (creds, { filename, body, csv }, opts) =>
      togetherFile(await client.uploadFile({ token: creds.token }, { filename, body, ...(csv ? { csv } : {}) }, opts)),
    getFile: async (creds, id, opts) => togetherFile(await client.getFile({ token: creds.token }, id, opts)),
  };
}

/** Together's file in the gateway's shape, under its public id; what Together found wrong with it kept. */
export function togetherFile(file: TogetherFile): ProviderFile {
  return {
    provider: 'together',
    id: publicId('together', file.id),
    name: file.name,
    bytes: file.bytes,
    createdAt: file.createdAt,
    workspaceId: null,
    columns: null,
    validationError: file.validationError,
    rowFormat: file.datasetFormat,
  };
}
