/**
 * `createUpstreamClient`: one method per endpoint of the upstream contract
 * (docs/nscale-contract.md), each a short list of what to send, whether it may be retried
 * and which schema reads the answer. The machinery is in `call.ts`.
 *
 * Retried (idempotent in effect): every GET, DELETE /datasets/{id}, POST /jobs/{id}/cancel and the
 * dry run of POST /jobs. Cancel is retried because cancelling twice leaves the job in the same
 * state; the one wrinkle is that a repeat after a lost answer meets 409 "already terminal", so then
 * the job is read back and returned if it is `cancelled` (likewise a repeated DELETE's 404 is success).
 * Never retried: job creation, dataset creation, exports, uploads.
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { redactSecrets } from '../secrets/secret-forms.js';
import { createCall } from './call.js';
import { createCircuitBreaker, type CircuitBreakerView } from './circuit-breaker.js';
import type { Exchange } from './call.js';
import { readDownloadUrl } from './download-url.js';
import type { RawResponse } from './map-error.js';
import { UpstreamError } from './errors.js';
import { DATASET_INPUT_FIELDS, EXPORT_INPUT_FIELDS } from './input-fields.js';
import { multipartFile } from './multipart.js';
import { resolveOptions } from './options.js';
import type { UpstreamClientOptions } from './options.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { withCircuitBreaker } from './with-circuit-breaker.js';
import { createDatasetBody, createJobBody, huggingFaceExportBody } from './requests.js';
import {
  baseModelSchema,
  createJobResponseSchema,
  datasetSchema,
  exportSchema,
  fileSchema,
  jobListSchema,
  jobSchema,
  listSchema,
  metricsSchema,
} from './schemas.js';
import type { Job } from './schemas.js';
import type { CallOptions, Credentials, UpstreamClient } from './types.js';

export type { UpstreamClientOptions } from './options.js';

/** The client, with `close()` always present: it releases the default Agent (never an injected dispatcher). */
export interface ClosableUpstreamClient extends UpstreamClient {
  close(): Promise<void>;
  /** The circuit breaker, when the client was given one (`options.circuitBreaker`). */
  circuitBreaker: CircuitBreakerView | null;
}

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

export function createUpstreamClient(options: UpstreamClientOptions): ClosableUpstreamClient {
  const o = resolveOptions(options);
  const ownAgent =
    options.dispatcher === undefined
      ? new Agent({
          connect: { timeout: o.connectTimeoutMs },
          headersTimeout: o.headersTimeoutMs,
          bodyTimeout: o.bodyTimeoutMs,
          // Keep-alive pool: a subscription polls the same job every few seconds.
          keepAliveTimeout: 10_000,
          keepAliveMaxTimeout: 60_000,
          connections: o.connections,
        })
      : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Agent);
  const breaker = options.circuitBreaker ? createCircuitBreaker({ now: o.now, ...options.circuitBreaker }) : null;
  const call = breaker ? withCircuitBreaker(createCall(dispatcher, o), breaker) : createCall(dispatcher, o);

  async function json<T>(
    creds: Credentials,
    ex: Exchange,
    opts: CallOptions | undefined,
    parse: (res: RawResponse, op: string) => T,
  ): Promise<T> {
    const { response } = await call(creds, ex, opts);
    try {
      return parse(response, `${ex.method} ${ex.route}`);
    } catch (error) {
      // A mismatch message may quote a value of the body; the body may (absurdly) quote the token.
      if (error instanceof UpstreamError)
        error.message = redactSecrets(error.message, [creds.token, ...(ex.secrets ?? [])]);
      throw error;
    }
  }

  const get = (route: string, path: string, query?: URLSearchParams): Exchange => ({
    method: 'GET',
    route,
    path,
    query,
    retry: true,
  });

  const client: ClosableUpstreamClient = {
    listBaseModels: async (creds, opts) =>
      json(
        creds,
        get('/base-models', '/base-models'),
        opts,
        (r, op) => parseResponse(listSchema(baseModelSchema), r, op).data,
      ),

    uploadFile: async (creds, upload, opts) => {
      let framed: ReturnType<typeof multipartFile>;
      try {
        framed = multipartFile('file', upload.filename, upload.contentType ?? 'text/csv', upload.body);
      } catch (error) {
        upload.body.destroy();
        throw error;
      }
      const { body, contentType } = framed;
      const ex: Exchange = {
        method: 'POST',
        route: '/files',
        path: '/files',
        stream: { body, contentType, source: upload.body },
        retry: false,
        deadlineMs: o.uploadDeadlineMs,
      };
      return json(creds, ex, opts, (r, op) => parseResponse(fileSchema, r, op));
    },

    getFile: async (creds, id, opts) =>
      json(creds, get('/files/{id}', `/files/${segment('file', id)}`), opts, (r, op) =>
        parseResponse(fileSchema, r, op),
      ),

    createDataset: async (creds, input, opts) =>
      json(
        creds,
        {
          method: 'POST',
          route: '/datasets',
          path: '/datasets',
          json: createDatasetBody(input),
          inputFields: DATASET_INPUT_FIELDS,
          retry: false,
        },
        opts,
        (r, op) => parseResponse(datasetSchema, r, op),
      ),

    listDatasets: async (creds, opts) =>
      json(creds, get('/datasets', '/datasets'), opts, (r, op) => parseResponse(listSchema(datasetSchema), r, op).data),

    getDataset: async (creds, id, opts) =>
      json(creds, get('/datasets/{id}', `/datasets/${segment('dataset', id)}`), opts, (r, op) =>
        parseResponse(datasetSchema, r, op),
      ),

    deleteDataset: async (creds, id, opts) => {
      const path = `/datasets/${segment('dataset', id)}`;
      await call(
        creds,
        { method: 'DELETE', route: '/datasets/{id}', path, retry: true, acceptAfterLostAttempt: 404 },
        opts,
      );
    },

    createJob: async (creds, input, opts) =>
      json(
        creds,
        {
          method: 'POST',
          route: '/jobs',
          path: '/jobs',
          json: createJobBody(input, false),
          retry: false,
          outcomeUnknownOnLostAnswer: true,
        },
        opts,
        (r, op) => {
          const { job } = parseResponse(createJobResponseSchema, r, op);
          if (job === null) {
            throw new UpstreamError(
              'UPSTREAM_ERROR',
              `${op}: unexpected response at job: a created job was expected, got null`,
              { status: r.status, operation: op },
            );
          }
          return job;
        },
      ),

    // A dry run creates nothing, so unlike createJob it may be repeated.
    estimateJob: async (creds, input, opts) =>
      json(
        creds,
        { method: 'POST', route: '/jobs', path: '/jobs', json: createJobBody(input, true), retry: true },
        opts,
        (r, op) => parseResponse(createJobResponseSchema, r, op).estimatedUsage,
      ),

    listJobs: async (creds, opts) => {
      const query = new URLSearchParams();
      if (opts?.status !== undefined) query.set('status', opts.status);
      if (opts?.limit !== undefined) query.set('limit', String(opts.limit));
      if (opts?.offset !== undefined) query.set('offset', String(opts.offset));
      return json(creds, get('/jobs', '/jobs', query), opts, (r, op) => {
        const page = parseResponse(jobListSchema, r, op);
        return { jobs: page.data, total: page.total };
      });
    },

    getJob: async (creds, id, opts) =>
      json(creds, get('/jobs/{id}', `/jobs/${segment('job', id)}`), opts, (r, op) => parseResponse(jobSchema, r, op)),

    cancelJob: async (creds, id, opts) => {
      const path = `/jobs/${segment('job', id)}/cancel`;
      const ex: Exchange = {
        method: 'POST',
        route: '/jobs/{id}/cancel',
        path,
        retry: true,
        acceptAfterLostAttempt: 409,
      };
      const { response, afterLostAttempt } = await call(creds, ex, opts);
      if (!(afterLostAttempt && response.status === 409))
        return parseResponse(jobSchema, response, `${ex.method} ${ex.route}`);
      // "Already terminal" after an attempt whose answer was lost: most likely our own cancel landed.
      const job: Job = await client.getJob(creds, id, opts);
      if (job.status === 'cancelled') return job;
      throw new UpstreamError(
        'CONFLICT',
        `Job ${JSON.stringify(id)} has already ended (${job.status}) and cannot be cancelled.`,
        {
          status: 409,
          operation: `${ex.method} ${ex.route}`,
        },
      );
    },

    getMetrics: async (creds, id, opts) =>
      json(creds, get('/jobs/{id}/metrics', `/jobs/${segment('job', id)}/metrics`), opts, (r, op) =>
        parseResponse(metricsSchema, r, op),
      ),

    // The 302 is read, never followed (undici's request() does not follow redirects): the URL goes
    // to the user, and the caller's token never leaves for the storage host.
    getDownloadUrl: async (creds, id, opts) => {
      const ex: Exchange = {
        ...get('/jobs/{id}/download', `/jobs/${segment('job', id)}/download`),
        acceptStatus: isRedirect,
      };
      return json(creds, ex, opts, (res, operation) => readDownloadUrl({ res, operation, upstream: o.baseUrl }));
    },

    exportToHuggingFace: async (creds, id, input, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/jobs/{id}/exports/hugging-face',
        path: `/jobs/${segment('job', id)}/exports/hugging-face`,
        json: huggingFaceExportBody(input),
        secrets: [input.accessToken],
        inputFields: EXPORT_INPUT_FIELDS,
        retry: false,
      };
      return json(creds, ex, opts, (r, op) => parseResponse(exportSchema, r, op));
    },

    close: async () => {
      await ownAgent?.close();
    },
    circuitBreaker: breaker,
  };
  return client;
}
