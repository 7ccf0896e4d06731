/**
 * A new job as the GraphQL input hands it over, for either provider: Nscale's dataset or Together's
 * files, and the settings only Together honours (schema/together-job-input.ts). `refusedByProvider`
 * names what the request's provider cannot honour, or lacks, before anything else is checked.
 */
import type { Problem } from '../errors/input-problems.js';
import type { ProviderName } from '../providers/provider-name.js';
import { DEFAULT_BATCH_SIZE } from '../contract/hyperparameters.js';
import type { CreateJobArgs } from './validate-job-input.js';

export interface JobArgs extends Omit<CreateJobArgs, 'dataset' | 'hyperparameters'> {
  dataset?: CreateJobArgs['dataset'] | null;
  files?: { trainingFileId: string | number; validationFileId?: string | number | null } | null;
  fromCheckpoint?: string | null;
  /** Together only: where the trained model goes on Hugging Face; the token is a secret. */
  huggingFaceExport?: { repositoryId: string; accessToken: string } | null;
  hyperparameters: Omit<CreateJobArgs['hyperparameters'], 'batchSize'> & {
    /** Omitted: the provider's default (`withNscaleBatchSize`; Together's own). */
    batchSize?: number | null;
    nCheckpoints?: number | null;
    earlyStopping?: { patience: number; warmupEvals: number; minDelta: number } | null;
    dpo?: { beta: number } | null;
  };
}

const TOGETHER_ONLY = 'Together only';

/** What `provider` cannot honour in `args`, or what it needs and `args` lacks; each names the provider. */
export function refusedByProvider(args: JobArgs, provider: ProviderName): Problem[] {
  const refused: Problem[] = [];
  const refuse = (field: string, why: string) =>
    refused.push({ field, message: `${field}: not available on provider ${provider}: ${why}` });
  const h = args.hyperparameters;
  if (provider === 'nscale') {
    if (args.files != null) refuse('files', `${TOGETHER_ONLY}; a job here trains on a dataset (give dataset)`);
    if (args.fromCheckpoint != null) refuse('fromCheckpoint', TOGETHER_ONLY);
    if (args.huggingFaceExport != null)
      refuse('huggingFaceExport', `${TOGETHER_ONLY}; here a COMPLETED job is exported with exportJobToHuggingFace`);
    if (h.nCheckpoints != null) refuse('hyperparameters.nCheckpoints', TOGETHER_ONLY);
    if (h.earlyStopping != null) refuse('hyperparameters.earlyStopping', TOGETHER_ONLY);
    if (h.dpo != null) refuse('hyperparameters.dpo', `${TOGETHER_ONLY} (preference training)`);
    if (args.dataset == null)
      refused.push({ field: 'dataset', message: `dataset: required on provider nscale: the dataset to train on` });
  } else {
    if (args.dataset != null)
      refuse('dataset', 'it has no datasets: upload the files and name them in files.trainingFileId');
    if (h.bestCheckpoints) refuse('hyperparameters.bestCheckpoints', 'the final model is kept');
    if (args.files == null)
      refused.push({
        field: 'files',
        message: 'files: required on provider together: the uploaded training file (files.trainingFileId)',
      });
  }
  return refused;
}

/** Nscale's settings in full: an omitted batch size is Nscale's default. */
export function withNscaleBatchSize<H extends { batchSize?: number | null }>(h: H): H & { batchSize: number } {
  return { ...h, batchSize: h.batchSize ?? DEFAULT_BATCH_SIZE };
}
