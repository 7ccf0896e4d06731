/**
 * What the gateway asks of the upstream: one method per endpoint of the contract. Every method takes
 * the caller's credentials, so that nothing one caller fetched can be served to another, and an
 * optional AbortSignal that cancels the call (and its retries).
 */
import type { Readable } from 'node:stream';
import type {
  BaseModel,
  CreateDatasetInput,
  CreateJobInput,
  CreateJobResponse,
  Dataset,
  HuggingFaceExport,
  HuggingFaceExportInput,
  Job,
  JobStatus,
  Metrics,
  UpstreamFile,
} from './schemas.js';

/** A bearer token alone (Together's API key): what every upstream call needs at least. */
export interface BearerCredentials {
  /** Sent as `Authorization: Bearer …` to the configured origin only. */
  token: string;
}

export interface Credentials extends BearerCredentials {
  /** The service token (a JWT), sent as `Authorization: Bearer …` to the configured origin only. */
  token: string;
  organizationId: string;
}

/** What the shared call machinery takes: a token, and the organization where the upstream's paths name one. */
export type CallCredentials = BearerCredentials & { organizationId?: string };

export interface CallOptions {
  /** Aborting rejects the call at once with `signal.reason` (an "AbortError" DOMException by default). */
  signal?: AbortSignal;
  /** Overall deadline of this call, retries included; defaults to the client's `deadlineMs`. */
  deadlineMs?: number;
  /** The id of the request the call serves: told to the observer (which may send it on) and on the call's log lines. */
  requestId?: string;
  /**
   * Told after each attempt that reached the upstream: `accepted` false when the upstream refused the
   * credentials (401, 403), true when it answered anything else or lost its answer after the request
   * was sent (it may have acted). An attempt that never left (no connection) tells nothing.
   */
  reached?: (accepted: boolean) => void;
}

export interface FileUpload {
  filename: string;
  /** The CSV body, streamed to the upstream as multipart without being held in memory whole. */
  body: Readable;
  contentType?: string;
}

export interface JobPage {
  jobs: Job[];
  total: number;
}

export interface ListJobsOptions extends CallOptions {
  status?: JobStatus;
  limit?: number;
  offset?: number;
}

export interface UpstreamClient {
  listBaseModels(creds: Credentials, opts?: CallOptions): Promise<BaseModel[]>;
  uploadFile(creds: Credentials, upload: FileUpload, opts?: CallOptions): Promise<UpstreamFile>;
  getFile(creds: Credentials, id: string, opts?: CallOptions): Promise<UpstreamFile>;
  createDataset(creds: Credentials, input: CreateDatasetInput, opts?: CallOptions): Promise<Dataset>;
  listDatasets(creds: Credentials, opts?: CallOptions): Promise<Dataset[]>;
  getDataset(creds: Credentials, id: string, opts?: CallOptions): Promise<Dataset>;
  deleteDataset(creds: Credentials, id: string, opts?: CallOptions): Promise<void>;
  /** Creates a job. Never retried: a timeout after the request was sent, or a 500, 502 or 504 answer, is `UPSTREAM_OUTCOME_UNKNOWN`. */
  createJob(creds: Credentials, input: CreateJobInput, opts?: CallOptions): Promise<Job>;
  /** The upstream's dry run: the cost of a would-be job, creating nothing. */
  estimateJob(
    creds: Credentials,
    input: CreateJobInput,
    opts?: CallOptions,
  ): Promise<CreateJobResponse['estimatedUsage']>;
  listJobs(creds: Credentials, opts?: ListJobsOptions): Promise<JobPage>;
  getJob(creds: Credentials, id: string, opts?: CallOptions): Promise<Job>;
  cancelJob(creds: Credentials, id: string, opts?: CallOptions): Promise<Job>;
  getMetrics(creds: Credentials, id: string, opts?: CallOptions): Promise<Metrics>;
  /** The short-lived download URL, read from the redirect (not followed) and checked. */
  getDownloadUrl(creds: Credentials, id: string, opts?: CallOptions): Promise<URL>;
  exportToHuggingFace(
    creds: Credentials,
    id: string,
    input: HuggingFaceExportInput,
    opts?: CallOptions,
  ): Promise<HuggingFaceExport>;
  /** Releases the client's own connection pool (not an injected dispatcher). */
  close?(): Promise<void>;
}
