/**
 * The provider seam: what resolvers ask of a fine-tuning provider, whichever it is, in the gateway's
 * domain shapes. Each provider implements it over its own client (src/upstream and
 * src/upstream/together) and declares what it can do, so that the schema can say so (`providers`) and
 * refuse what a provider cannot honour before any upstream call.
 *
 * The seam carries the base-model catalogue and files (ids in are the upstream's own, ids out the
 * gateway's public ones, provider-ids.ts). What the providers do too differently to share one shape
 * (Nscale's datasets and dry-run estimates, Together's estimate-price and file-based jobs) is reached
 * through each provider's own client in `ProviderServices`.
 */
import type { Readable } from 'node:stream';
import {
  nscaleHyperparameterLimits,
  togetherHyperparameterLimits,
  type HyperparameterLimits,
} from '../contract/hyperparameter-limits.js';
import type { JobStatus, UpstreamFile } from '../upstream/schemas.js';
import type { CallCredentials, CallOptions } from '../upstream/types.js';
import type { TogetherModelLimits } from '../upstream/together/wire-files.js';
import type { ProviderName } from './provider-name.js';

/** What a provider can do through this API, as `providers` lists it (not what its own API offers beyond). */
export interface ProviderCapabilities {
  /** A price (and whether the account can pay it) before a job is created. */
  priceEstimate: boolean;
  /** Datasets as objects of their own (Together trains on files directly). */
  datasets: boolean;
  /** Pushing the trained weights to a Hugging Face repository. */
  huggingFaceExport: boolean;
  cancel: boolean;
  /** Deleting an ended job (no operation does yet). */
  delete: boolean;
  /** Intermediate checkpoints a job saves, listed, and continued from by a new job. */
  checkpoints: boolean;
  /** The job's event log. */
  events: boolean;
  /** Metrics sampled to a requested number of points by the provider (no operation asks yet). */
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
  /** Together's limits of training this model (what createJob is checked against there); absent on Nscale. */
  togetherLimits?: TogetherModelLimits;
  /** Together's catalogue price of LoRA SFT training, USD per million tokens (`pricing.finetune`), when it says. */
  togetherPricePerMillionTokens?: number | null;
}

/**
 * The limits of a new job's numeric settings on `model`, as its provider's checks of a job hold them
 * (`BaseModel.hyperparameterLimits`): on Nscale the contract's fixed rules and the model's batch sizes,
 * on Together the model's own limits. Null where the provider gave none: Together then refuses the model.
 */
export function hyperparameterLimitsOf(model: ProviderBaseModel): HyperparameterLimits | null {
  if (model.provider === 'together')
    return model.togetherLimits ? togetherHyperparameterLimits(model.togetherLimits) : null;
  return nscaleHyperparameterLimits(model.supportedBatchSizes);
}

/** An uploaded file with the id the gateway gives out for it, and its provider. */
export type ProviderFile = Omit<UpstreamFile, 'workspaceId'> & {
  provider: ProviderName;
  /** Together has no workspaces. */
  workspaceId: string | null;
  /** Why the provider found the file unusable for training (Together checks each upload); null otherwise. */
  validationError?: string | null;
  /**
   * The kind of rows the provider found in it, as it names them (Together's `dataset_format`, lower case:
   * `instruction`, `conversation`, `preference…`); null or absent when it does not say.
   */
  rowFormat?: string | null;
};

export interface ProviderUpload {
  filename: string;
  body: Readable;
  contentType: string;
  /** Which CSV columns become a sample's prompt and completion, where the provider converts CSV (Together). */
  csv?: { promptColumn?: string; answerColumn?: string };
}

export interface FineTuningProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** The statuses its jobs can have (`ProviderInfo.jobStatuses`), in `JobStatus`'s order. */
  readonly jobStatuses: readonly JobStatus[];
  listBaseModels(creds: CallCredentials, opts?: CallOptions): Promise<ProviderBaseModel[]>;
  uploadFile(creds: CallCredentials, upload: ProviderUpload, opts?: CallOptions): Promise<ProviderFile>;
  /** `id` is the upstream's own id (provider-ids.ts `upstreamId`). */
  getFile(creds: CallCredentials, id: string, opts?: CallOptions): Promise<ProviderFile>;
}
