/** `POST /jobs` (create or dry run), `GET /jobs` and `GET /jobs/{id}`. */
import { JOB_STATUSES, type JobStatusWire } from '../../contract/hyperparameters.js';
import type { Handler } from '../api-context.js';
import { ApiError, invalidArgument, notFound, show } from '../api-error.js';
import { newId } from '../ids.js';
import { jobStateAt, plannedFailure } from '../job-lifecycle.js';
import { estimateUsage, planJob } from '../job-plan.js';
import { parseJobRequest } from '../job-request.js';
import { json } from '../reply.js';
import { readJsonBody } from '../request-body.js';
import type { OrgState, StoredJob } from '../store.js';
import { wireJob } from '../wire.js';

const usd = (n: number): string => `$${n.toFixed(2)}`;

export const createJob: Handler = async ({ req, org, deps }) => {
  const request = parseJobRequest(await readJsonBody(req), org, deps.models);
  const plan = await planJob(request, deps.rowCounter);
  // Read the clock after planning: the first job for a model waits for its tokenizer to load, and
  // the job's life (queued → completed) starts when it exists, not when the request arrived.
  const now = deps.options.now();
  const estimated_usage = estimateUsage(plan, request, deps.options.pricePerMillionTokens);
  if (request.dryRun) return json(200, { dry_run: true, estimated_usage, job: null });

  // Credit is charged the estimate up front and not refunded on cancel or failure (the contract is
  // silent; charging up front keeps "enough credit" a check at creation only).
  if (org.creditUsd !== undefined) {
    if (estimated_usage.cost > org.creditUsd + 1e-9) {
      throw new ApiError(
        'resource_exhausted',
        `insufficient credit: the job is estimated at ${usd(estimated_usage.cost)} and the organization has ${usd(org.creditUsd)} left`,
        { status: 402 },
      );
    }
    org.creditUsd = Math.round((org.creditUsd - estimated_usage.cost) * 100) / 100;
  }

  const id = newId('job');
  const durationMs = deps.options.jobSeconds * 1000;
  const job: StoredJob = {
    id,
    seq: deps.store.nextSeq(),
    name: request.name,
    baseModel: request.baseModel,
    dataset: request.dataset,
    hyperparameters: request.hyperparameters,
    createdAt: now,
    durationMs,
    plan,
    failure: plannedFailure(id, plan, durationMs, deps.options.failureRate),
    cancelledAt: null,
  };
  org.jobs.set(id, job);
  return json(201, { dry_run: false, estimated_usage, job: wireJob(job, now) });
};

function queryInteger(url: URL, key: string, min: number, max: number, fallback: number): number {
  const raw = url.searchParams.get(key);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw invalidArgument(`${key}: ${show(raw)} is not an integer from ${min} to ${max}`);
  }
  return value;
}

export const listJobs: Handler = ({ org, url, now }) => {
  const status = url.searchParams.get('status');
  if (status !== null && status !== '' && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw invalidArgument(`status: ${show(status)} is not one of ${JOB_STATUSES.join(', ')}`);
  }
  const limit = queryInteger(url, 'limit', 1, 100, 20);
  const offset = queryInteger(url, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
  const matching = [...org.jobs.values()]
    .filter((job) => !status || jobStateAt(job, now).status === (status as JobStatusWire))
    .sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
  return json(200, {
    data: matching.slice(offset, offset + limit).map((job) => wireJob(job, now)),
    total: matching.length,
  });
};

export function findJob(org: OrgState, id: string | undefined): StoredJob {
  const job = org.jobs.get(id ?? '');
  if (job === undefined) throw notFound(`no job ${show(id)} in this organization`);
  return job;
}

export const getJob: Handler = ({ org, params, now }) => json(200, wireJob(findJob(org, params['id']), now));
