/**
 * The simulator's state, one partition per organization. Every lookup goes through the caller's
 * organization, so a resource of another organization is simply not found (404), never leaked.
 */
import type { BaseModelSeed } from './seed-base-models.js';
import type { ColumnPreview } from './csv-table.js';
import type { JobPlan } from './job-plan.js';
import type { WireHyperparameters } from './job-request.js';

export interface StoredFile {
  id: string;
  name: string;
  bytes: number;
  createdAt: number;
  organizationId: string;
  header: string[];
  /** Data rows (header excluded), kept for token counts and the data checks a job runs. */
  rows: string[][];
  columns: ColumnPreview[];
}

export interface StoredDataset {
  id: string;
  name: string;
  trainingFileId: string;
  validationFileId: string | null;
  createdAt: number;
  organizationId: string;
}

export interface JobError {
  code: string;
  message: string;
}

export interface StoredJob {
  id: string;
  /** Creation order, to sort jobs created within the same clock tick. */
  seq: number;
  name: string;
  baseModel: BaseModelSeed;
  dataset: { id: string; prompt_column: string | null; answer_column: string };
  hyperparameters: WireHyperparameters;
  createdAt: number;
  /** Creation to completion, fixed at creation so a later option change does not move running jobs. */
  durationMs: number;
  plan: JobPlan;
  /** Set at creation when the job is bound to fail: when (ms after creation) and with what. */
  failure: { afterMs: number; error: JobError } | null;
  cancelledAt: number | null;
}

export interface StoredExport {
  id: string;
  jobId: string;
  repositoryId: string;
  userId: string;
  /** sha256 of the access token: enough to tell two exports' tokens apart, useless to anyone reading. */
  tokenSha256: string;
  createdAt: number;
}

export interface OrgState {
  id: string;
  files: Map<string, StoredFile>;
  datasets: Map<string, StoredDataset>;
  jobs: Map<string, StoredJob>;
  exports: Map<string, StoredExport>;
  /** USD left; undefined is unlimited. */
  creditUsd: number | undefined;
}

export interface Store {
  /** The organization's partition, created on first use (JWT-authenticated orgs are not declared up front). */
  org(id: string): OrgState;
  nextSeq(): number;
}

export function createStore(initialCredit: ReadonlyMap<string, number>): Store {
  const orgs = new Map<string, OrgState>();
  let seq = 0;
  return {
    org(id) {
      let state = orgs.get(id);
      if (state === undefined) {
        state = {
          id,
          files: new Map(),
          datasets: new Map(),
          jobs: new Map(),
          exports: new Map(),
          creditUsd: initialCredit.get(id),
        };
        orgs.set(id, state);
      }
      return state;
    },
    nextSeq: () => ++seq,
  };
}
