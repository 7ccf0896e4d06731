/**
 * The provider seam: what resolvers ask of a fine-tuning provider, whichever it is, in the gateway's
 * domain shapes. Each provider implements it over its own client (src/upstream and
 * src/upstream/together) and declares what it can do, so that the schema can say so (`providers`) and
 * refuse what a provider cannot honour before any upstream call.
 *
 * Today the seam carries the base-model catalogue; the job operations still run on Nscale's client
 * directly (context.ts's `credentials()`, which refuses a request for another provider).
 */
import type { CallCredentials, CallOptions } from '../upstream/types.js';
import type { ProviderName } from './provider-name.js';

/** What a provider can do, as `providers` lists it. */
export interface ProviderCapabilities {
  /** A price (and whether the account can pay it) before a job is created. */
  priceEstimate: boolean;
  /** Datasets as objects of their own (Together trains on files directly). */
  datasets: boolean;
  /** Pushing the trained weights to a Hugging Face repository. */
  huggingFaceExport: boolean;
  cancel: boolean;
  /** Deleting an ended job. */
  delete: boolean;
  /** Intermediate checkpoints a job saves, each downloadable. */
  checkpoints: boolean;
  /** The job's event log. */
  events: boolean;
  /** Metrics sampled to a requested number of points by the provider. */
  metricsResolution: boolean;
  /** Preference training (DPO). */
  dpo: boolean;
  /** Training every weight, not only a LoRA adapter. */
  fullTraining: boolean;
}

/** A base model in the provider-neutral shape: what one provider does not say is null. */
export interface ProviderBaseModel {
  provider: ProviderName;
  id: string;
  name: string;
  organization: string | null;
  contextLength: number | null;
  supportedBatchSizes: number[];
  trainingPrecision: string | null;
}

export interface FineTuningProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  listBaseModels(creds: CallCredentials, opts?: CallOptions): Promise<ProviderBaseModel[]>;
}
