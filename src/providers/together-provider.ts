/**
 * Together AI behind the provider seam (fine-tuning-provider.ts), over the gateway's Together client.
 * Together's credentials are its API key alone; what its catalogue does not say is null.
 */
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { FineTuningProvider, ProviderCapabilities } from './fine-tuning-provider.js';

export const TOGETHER_CAPABILITIES: ProviderCapabilities = {
  priceEstimate: true,
  datasets: false,
  huggingFaceExport: true,
  cancel: true,
  delete: true,
  checkpoints: true,
  events: true,
  metricsResolution: true,
  dpo: true,
  fullTraining: true,
};

export function togetherProvider(client: TogetherClient): FineTuningProvider {
  return {
    name: 'together',
    capabilities: TOGETHER_CAPABILITIES,
    listBaseModels: async (creds, opts) =>
      (await client.listBaseModels({ token: creds.token }, opts)).map((m) => ({
        provider: 'together',
        id: m.id,
        name: m.name,
        organization: m.organization,
        contextLength: m.contextLength,
        supportedBatchSizes: m.supportedBatchSizes,
        trainingPrecision: m.trainingPrecision,
      })),
  };
}
