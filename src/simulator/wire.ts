/** The stored records as the contract's snake_case wire shapes (those src/upstream/schemas.ts parses). */
import type { BaseModelSeed } from './seed-base-models.js';
import { jobStateAt } from './job-lifecycle.js';
import type { StoredDataset, StoredExport, StoredFile, StoredJob } from './store.js';
import { formatTimestamp } from './timestamps.js';

const time = (ms: number | null): string | null => (ms === null ? null : formatTimestamp(ms));

export const wireBaseModel = (m: BaseModelSeed) => ({
  id: m.id,
  organization: m.organization,
  name: m.name,
  context_length: m.contextLength,
  supported_batch_sizes: [...m.supportedBatchSizes],
  training_precision: m.trainingPrecision,
});

// The workspace of the contract's File and Dataset is the organization: the simulator has no other.
export const wireFile = (f: StoredFile) => ({
  id: f.id,
  name: f.name,
  bytes: f.bytes,
  created_at: formatTimestamp(f.createdAt),
  workspace_id: f.organizationId,
  columns: f.columns,
});

export const wireDataset = (d: StoredDataset) => ({
  id: d.id,
  name: d.name,
  training_file_id: d.trainingFileId,
  validation_file_id: d.validationFileId,
  created_at: formatTimestamp(d.createdAt),
  workspace_id: d.organizationId,
});

export function wireJob(job: StoredJob, now: number) {
  const state = jobStateAt(job, now);
  return {
    id: job.id,
    name: job.name,
    base_model_id: job.baseModel.id,
    base_model_name: job.baseModel.name,
    dataset: { ...job.dataset },
    hyperparameters: structuredClone(job.hyperparameters),
    status: state.status,
    created_at: formatTimestamp(job.createdAt),
    started_at: time(state.startedAt),
    completed_at: time(state.completedAt),
    error: state.error === null ? null : { ...state.error },
  };
}

// Exports are accepted for later processing; the contract has no endpoint to follow one, so it stays queued.
export const wireExport = (e: StoredExport) => ({
  id: e.id,
  job_id: e.jobId,
  status: 'queued',
  huggingface_repository_id: e.repositoryId,
  created_at: formatTimestamp(e.createdAt),
});
