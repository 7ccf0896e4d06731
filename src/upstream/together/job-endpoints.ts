/**
 * `/fine-tunes`: estimate, create, list, get, cancel, delete.
 *
 * - Creation is never retried, and a lost answer (or a 500/502/504) is `UPSTREAM_OUTCOME_UNKNOWN`:
 *   a second job would be charged. The Hugging Face and W&B keys it carries are scrubbed from errors.
 * - The estimate creates nothing, so it is retried like a read.
 * - Cancel is retried: cancelling twice leaves the job as once. After a lost attempt, Together's 400
 *   "already ended" may be our own cancel having landed: the job is read back and returned when it
 *   is cancelled.
 * - A refusal of `from_checkpoint` names the whole value sent, not only its job part (`withCheckpointNamed`).
 * - Together refuses a cancel or delete that the job's state does not allow with a 400 that names no
 *   parameter: that is the gateway's `CONFLICT`, not a bad input.
 */
import type { Call, Exchange } from '../call.js';
import { UpstreamError, isUpstreamError } from '../errors.js';
import type { JsonCall } from '../json-call.js';
import { parseResponse } from '../parse-response.js';
import { segment } from '../path.js';
import {
  CREATE_JOB_INPUT_FIELDS,
  createJobBody,
  estimateBody,
  withCheckpointNamed,
  type TogetherCreateJobInput,
} from './create-job-input.js';
import type { TogetherClient } from './together-client-types.js';
import { jobDeletedSchema, jobListSchema, togetherJobSchema } from './wire-job.js';
import { estimateSchema } from './wire-job-reads.js';

type JobEndpoints = Pick<
  TogetherClient,
  'estimatePrice' | 'createJob' | 'listJobs' | 'getJob' | 'cancelJob' | 'deleteJob'
>;

const jobPath = (id: string): string => `/fine-tunes/${segment('job', id)}`;

/** A 400 naming no parameter, on an operation about the job's state, is a conflict with that state. */
function asConflict(error: unknown): unknown {
  if (!isUpstreamError(error) || error.status !== 400 || error.upstreamParam !== undefined) return error;
  return new UpstreamError('CONFLICT', error.message, {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
  });
}

function secretsOf(input: TogetherCreateJobInput): string[] {
  return [input.huggingFaceExport?.token, input.wandb?.apiKey].filter((s): s is string => s !== undefined && s !== '');
}

/** Never retried: a second job would be charged. */
const createJob =
  (json: JsonCall): TogetherClient['createJob'] =>
  (creds, input, opts) => {
    const ex: Exchange = {
      method: 'POST',
      route: '/fine-tunes',
      path: '/fine-tunes',
      json: createJobBody(input),
      inputFields: CREATE_JOB_INPUT_FIELDS,
      secrets: secretsOf(input),
      retry: false,
      outcomeUnknownOnLostAnswer: true,
    };
    return json(creds, ex, opts, (r, op) => parseResponse(togetherJobSchema, r, op)).catch((error: unknown) => {
      throw withCheckpointNamed(error, input);
    });
  };

export function jobEndpoints(call: Call, json: JsonCall): JobEndpoints {
  const getJob: TogetherClient['getJob'] = (creds, id, opts) =>
    json(creds, { method: 'GET', route: '/fine-tunes/{id}', path: jobPath(id), retry: true }, opts, (r, op) =>
      parseResponse(togetherJobSchema, r, op),
    );

  return {
    estimatePrice: (creds, input, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/fine-tunes/estimate-price',
        path: '/fine-tunes/estimate-price',
        json: estimateBody(input),
        inputFields: CREATE_JOB_INPUT_FIELDS,
        retry: true,
      };
      return json(creds, ex, opts, (r, op) => parseResponse(estimateSchema, r, op));
    },

    createJob: createJob(json),

    listJobs: async (creds, opts) => {
      const ex: Exchange = { method: 'GET', route: '/fine-tunes', path: '/fine-tunes', retry: true };
      const jobs = await json(creds, ex, opts, (r, op) => parseResponse(jobListSchema, r, op).data);
      // By the status each job is shown in: a `cancel_requested` job is QUEUED or RUNNING (job-status.ts).
      return opts?.status === undefined ? jobs : jobs.filter((job) => job.status === opts.status);
    },

    getJob,

    cancelJob: async (creds, id, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/fine-tunes/{id}/cancel',
        path: `${jobPath(id)}/cancel`,
        retry: true,
        acceptAfterLostAttempt: 400,
      };
      const operation = `${ex.method} ${ex.route}`;
      let result;
      try {
        result = await call(creds, ex, opts);
      } catch (error) {
        throw asConflict(error);
      }
      const { response, afterLostAttempt } = result;
      if (response.status < 300) return parseResponse(togetherJobSchema, response, operation);
      // "Already ended" after an attempt whose answer was lost: most likely our own cancel landed.
      const job = await getJob(creds, id, opts);
      if (afterLostAttempt && (job.upstreamStatus === 'cancelled' || job.upstreamStatus === 'cancel_requested'))
        return job;
      throw new UpstreamError(
        'CONFLICT',
        `Job ${JSON.stringify(id)} has already ended (${job.upstreamStatus}) and cannot be cancelled.`,
        { status: response.status, operation },
      );
    },

    deleteJob: async (creds, id, opts) => {
      // A repeat after a lost answer that finds the job gone: our first attempt deleted it.
      const ex: Exchange = {
        method: 'DELETE',
        route: '/fine-tunes/{id}',
        path: jobPath(id),
        retry: true,
        acceptAfterLostAttempt: 404,
      };
      try {
        await json(creds, ex, opts, (r, op) => parseResponse(jobDeletedSchema, r, op));
      } catch (error) {
        throw asConflict(error);
      }
    },
  };
}
