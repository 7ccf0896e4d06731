/**
 * What the gateway asks of Together: the journey's steps in the gateway's domain shapes where one
 * exists (`Job`, `JobStatus`, `Metrics`, `UpstreamFile` and `BaseModel` fields under the same names),
 * plus what only Together has (limits, price estimates, events, checkpoints, DPO, full training).
 * Credentials are a bearer token only: the key names the account.
 */
import type { Readable } from 'node:stream';
import type { CircuitBreakerView } from '../circuit-breaker.js';
import type { JobStatus } from '../schemas.js';
import type { BearerCredentials, CallOptions } from '../types.js';
import type { TogetherCreateJobInput, TogetherEstimateInput } from './create-job-input.js';
import type { OpenDownload } from './download-stream.js';
import type { CsvColumns } from './csv-to-jsonl.js';
import type { TogetherJob } from './wire-job.js';
import type { TogetherCheckpoint, TogetherEstimate, TogetherEvent, TogetherMetrics } from './wire-job-reads.js';
import type { TogetherFile, TogetherModelLimits } from './wire-files.js';

export interface TogetherBaseModel {
  id: string;
  organization: string | null;
  name: string;
  contextLength: number | null;
  /** Every batch size LoRA SFT training takes (Together takes any integer of the range). */
  supportedBatchSizes: number[];
  /** Together does not say. */
  trainingPrecision: null;
  /** USD per million tokens of LoRA SFT training, when Together lists it. */
  pricePerMillionTokens: number | null;
  limits: TogetherModelLimits;
}

export interface TogetherFileUpload {
  /** `….jsonl` or `….csv`; other formats are refused before anything is sent. */
  filename: string;
  /** The bytes, streamed to Together's upload URL without being held in memory whole. */
  body: Readable;
  /** The exact byte length of a JSONL body, when known: sent as Content-Length (storage PUTs want one). */
  bytes?: number;
  /** @default 'fine-tune' */
  purpose?: 'fine-tune' | 'eval';
  /** Which columns of a CSV become the prompt and the completion. */
  csv?: CsvColumns;
}

export interface TogetherListJobsOptions extends CallOptions {
  /** Keeps the jobs whose gateway status is this one (Together's list is unfiltered and unpaged). */
  status?: JobStatus;
}

export interface TogetherMetricsOptions extends CallOptions {
  fromStep?: number;
  toStep?: number;
  /** At most this many records, sampled uniformly by Together, first and last kept. */
  resolution?: number;
}

export interface TogetherDownloadOptions extends CallOptions {
  /** `adapter` (LoRA jobs) or `merged` (the full weights; the only one a Full job has). */
  artifact: 'adapter' | 'merged';
  /** A saved checkpoint's step; the final model when absent. */
  step?: number;
}

type Creds = BearerCredentials;

export interface TogetherClient {
  /** Together's fine-tunable models with their limits (models without limits cannot be fine-tuned). */
  listBaseModels(creds: Creds, opts?: CallOptions): Promise<TogetherBaseModel[]>;
  getModelLimits(creds: Creds, model: string, opts?: CallOptions): Promise<TogetherModelLimits>;
  uploadFile(creds: Creds, upload: TogetherFileUpload, opts?: CallOptions): Promise<TogetherFile>;
  getFile(creds: Creds, id: string, opts?: CallOptions): Promise<TogetherFile>;
  listFiles(creds: Creds, opts?: CallOptions): Promise<TogetherFile[]>;
  deleteFile(creds: Creds, id: string, opts?: CallOptions): Promise<void>;
  estimatePrice(creds: Creds, input: TogetherEstimateInput, opts?: CallOptions): Promise<TogetherEstimate>;
  /** Never retried: a lost answer, or a 500/502/504, is `UPSTREAM_OUTCOME_UNKNOWN`. */
  createJob(creds: Creds, input: TogetherCreateJobInput, opts?: CallOptions): Promise<TogetherJob>;
  /** Every job of the account, oldest first (Together does not page; the gateway will). */
  listJobs(creds: Creds, opts?: TogetherListJobsOptions): Promise<TogetherJob[]>;
  getJob(creds: Creds, id: string, opts?: CallOptions): Promise<TogetherJob>;
  cancelJob(creds: Creds, id: string, opts?: CallOptions): Promise<TogetherJob>;
  /** Deletes an ended job; one not ended is `CONFLICT` (cancel it first). */
  deleteJob(creds: Creds, id: string, opts?: CallOptions): Promise<void>;
  getMetrics(creds: Creds, id: string, opts?: TogetherMetricsOptions): Promise<TogetherMetrics>;
  listEvents(creds: Creds, id: string, opts?: CallOptions): Promise<TogetherEvent[]>;
  /** Newest first, as Together lists them. */
  listCheckpoints(creds: Creds, id: string, opts?: CallOptions): Promise<TogetherCheckpoint[]>;
  /**
   * The URL of the adapter or merged weights: Together's own download endpoint on the configured
   * origin, which serves the archive to the holder of the account's key. Built after checking the
   * job (it exists for this key, has completed, has that artifact and step); nothing is downloaded.
   */
  getDownloadUrl(creds: Creds, id: string, opts: TogetherDownloadOptions): Promise<URL>;
  /**
   * The weights at `upstreamPath` (the path and query of a `getDownloadUrl`, kept in a download grant)
   * as a stream, with the key: one attempt, the body not read here (download-stream.ts). An answer
   * other than 200, 206 or 416 is an UpstreamError by its status; another path is refused unsent.
   */
  openDownload: OpenDownload;
  close(): Promise<void>;
  circuitBreaker: CircuitBreakerView | null;
}
