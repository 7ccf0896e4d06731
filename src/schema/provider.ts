/**
 * The providers a request can run on: the `Provider` enum (what `X-Provider` and
 * `connectionParams.provider` name) and `providers`, each enabled one with what it can do.
 */
import type { ProviderCapabilities } from '../providers/fine-tuning-provider.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/provider-name.js';
import type { JobStatus } from '../upstream/schemas.js';
import { builder } from './builder.js';
import { JobStatusEnum } from './job.js';

const PROVIDER_TEXT: Record<ProviderName, string> = {
  nscale: 'Nscale: send `X-Provider: nscale` (the default when enabled), a service token and an organization id.',
  together: 'Together AI: send `X-Provider: together` and a Together API key as the bearer token.',
};

export const ProviderEnum = builder.enumType('Provider', {
  description:
    'A fine-tuning provider. A request names its own with the `X-Provider` header (over WebSocket, ' +
    '`connectionParams.provider`); without either, it runs on the first enabled one (see `providers`).',
  values: Object.fromEntries(
    PROVIDER_NAMES.map((name) => [name.toUpperCase(), { value: name, description: PROVIDER_TEXT[name] }]),
  ) as Record<Uppercase<ProviderName>, { value: ProviderName; description: string }>,
});

const CAPABILITY_TEXT: Record<keyof ProviderCapabilities, string> = {
  priceEstimate: 'A price (`costEstimate`) before a job is created.',
  datasets:
    'Datasets as objects of their own (`createDataset`, `datasets`). Without them (Together), the ' +
    'dataset operations are refused with BAD_USER_INPUT naming the provider, and a job trains on ' +
    'uploaded files directly.',
  huggingFaceExport:
    'Pushing the trained weights to a Hugging Face repository: on Nscale once the job is COMPLETED ' +
    '(`exportJobToHuggingFace`), on Together when the job is created (`CreateJobInput.huggingFaceExport`; ' +
    '`exportJobToHuggingFace` is refused there).',
  cancel: '`cancelJob`.',
  delete: 'Deleting an ended job. No operation of this API deletes a job yet: false on every provider.',
  checkpoints:
    'Intermediate checkpoints a job saves (`hyperparameters.nCheckpoints`), listed in `Job.checkpoints`; a new job ' +
    'can continue from one (`CreateJobInput.fromCheckpoint`).',
  events: "The job's event log (`Job.events`).",
  metricsResolution:
    'Metrics sampled by the provider to a requested number of points. No operation of this API asks for that yet ' +
    '(`Job.metrics` holds every recorded step): false on every provider.',
  dpo: 'Preference training (DPO).',
  fullTraining: 'Training every weight, not only a LoRA adapter.',
};

interface ProviderShape {
  name: ProviderName;
  isDefault: boolean;
  capabilities: ProviderCapabilities;
  jobStatuses: readonly JobStatus[];
}

const CapabilitiesRef = builder.objectRef<ProviderCapabilities>('ProviderCapabilities').implement({
  description:
    'What a provider can do; an operation or argument it cannot honour is refused with BAD_USER_INPUT naming it.',
  fields: (t) =>
    Object.fromEntries(
      (Object.keys(CAPABILITY_TEXT) as Array<keyof ProviderCapabilities>).map((key) => [
        key,
        t.exposeBoolean(key, { description: CAPABILITY_TEXT[key] }),
      ]),
    ) as never,
});

const ProviderInfoRef = builder.objectRef<ProviderShape>('ProviderInfo').implement({
  description: 'An enabled provider.',
  fields: (t) => ({
    name: t.field({ type: ProviderEnum, description: 'The provider.', resolve: (p) => p.name }),
    isDefault: t.exposeBoolean('isDefault', { description: 'Whether requests that name no provider run on it.' }),
    capabilities: t.field({ type: CapabilitiesRef, description: 'What it can do.', resolve: (p) => p.capabilities }),
    jobStatuses: t.field({
      type: [JobStatusEnum],
      description:
        "The statuses its jobs can have, in `JobStatus`'s order (Together: every one but STARTING): " +
        'the choices of a status filter (`jobs(status:)`, `jobsUpdated(status:)`).',
      resolve: (p) => [...p.jobStatuses],
    }),
  }),
});

builder.queryFields((t) => ({
  providers: t.field({
    type: [ProviderInfoRef],
    description: 'The providers this gateway serves, the default first. Needs no credentials.',
    resolve: (_root, _args, ctx) =>
      [...ctx.services.providers.values()].map((p, i) => ({
        name: p.api.name,
        isDefault: i === 0,
        capabilities: p.api.capabilities,
        jobStatuses: p.api.jobStatuses,
      })),
  }),
}));
