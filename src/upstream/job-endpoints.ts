/**
 * /jobs: creation is never retried (a timeout after sending, or a 500, 502 or 504 answer, is
 * `UPSTREAM_OUTCOME_UNKNOWN`); the dry run, reads and cancel are. Cancelling twice leaves the job in
 * the same state; the one wrinkle is that a repeat after a lost answer meets 409 "already terminal",
 * so then the job is read back and returned if it is `cancelled`.
 */
import type { Call, Exchange } from './call.js';
import { UpstreamError } from './errors.js';
import { getExchange, type JsonCall } from './json-call.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { createJobBody } from './requests.js';
import { createJobResponseSchema, jobListSchema, jobSchema, metricsSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';

type JobEndpoints = Pick<
  UpstreamClient,
  'createJob' | 'estimateJob' | 'listJobs' | 'getJob' | 'cancelJob' | 'getMetrics'
>;

export function jobEndpoints(call: Call, json: JsonCall): JobEndpoints {
  const getJob: UpstreamClient['getJob'] = async (creds, id, opts) =>
    json(creds, getExchange('/jobs/{id}', `/jobs/${segment('job', id)}`), opts, (r, op) =>
      parseResponse(jobSchema, r, op),
    );

  return {
    createJob: async (creds, input, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/jobs',
        path: '/jobs',
        json: createJobBody(input, false),
        retry: false,
        outcomeUnknownOnLostAnswer: true,
      };
      return json(creds, ex, opts, (r, op) => {
        const { job } = parseResponse(createJobResponseSchema, r, op);
        if (job === null) {
          throw new UpstreamError(
            'UPSTREAM_ERROR',
            `${op}: unexpected response at job: a created job was expected, got null`,
            {
              status: r.status,
              operation: op,
            },
          );
        }
        return job;
      });
    },

    // A dry run creates nothing, so unlike createJob it may be repeated.
    estimateJob: async (creds, input, opts) =>
      json(
        creds,
        { method: 'POST', route: '/jobs', path: '/jobs', json: createJobBody(input, true), retry: true, dryRun: true },
        opts,
        (r, op) => parseResponse(createJobResponseSchema, r, op).estimatedUsage,
      ),

    listJobs: async (creds, opts) => {
      const query = new URLSearchParams();
      if (opts?.status !== undefined) query.set('status', opts.status);
      if (opts?.limit !== undefined) query.set('limit', String(opts.limit));
      if (opts?.offset !== undefined) query.set('offset', String(opts.offset));
      return json(creds, getExchange('/jobs', '/jobs', query), opts, (r, op) => {
        const page = parseResponse(jobListSchema, r, op);
        return { jobs: page.data, total: page.total };
      });
    },

    getJob,

    cancelJob: async (creds, id, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/jobs/{id}/cancel',
        path: `/jobs/${segment('job', id)}/cancel`,
        retry: true,
        acceptAfterLostAttempt: 409,
      };
      const operation = `${ex.method} ${ex.route}`;
      const { response, afterLostAttempt } = await call(creds, ex, opts);
      if (!(afterLostAttempt && response.status === 409)) return parseResponse(jobSchema, response, operation);
      // "Already terminal" after an attempt whose answer was lost: most likely our own cancel landed.
      const job = await getJob(creds, id, opts);
      if (job.status === 'cancelled') return job;
      throw new UpstreamError(
        'CONFLICT',
        `Job ${JSON.stringify(id)} has already ended (${job.status}) and cannot be cancelled.`,
        { status: 409, operation },
      );
    },

    getMetrics: async (creds, id, opts) =>
      json(creds, getExchange('/jobs/{id}/metrics', `/jobs/${segment('job', id)}/metrics`), opts, (r, op) =>
        parseResponse(metricsSchema, r, op),
      ),
  };
}
