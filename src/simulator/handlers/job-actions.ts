/** `POST /jobs/{id}/cancel`, `GET /jobs/{id}/metrics` and `GET /jobs/{id}/download`. */
import { TERMINAL_STATUSES } from '../../contract/hyperparameters.js';
import type { Handler } from '../api-context.js';
import { failedPrecondition } from '../api-error.js';
import { DOWNLOAD_PATH_PREFIX } from '../downloads.js';
import { jobStateAt } from '../job-lifecycle.js';
import { metricsAt } from '../job-metrics.js';
import { json } from '../reply.js';
import { wireJob } from '../wire.js';
import { findJob } from './jobs.js';

export const cancelJob: Handler = ({ org, params, now }) => {
  const job = findJob(org, params['id']);
  const { status } = jobStateAt(job, now);
  if (TERMINAL_STATUSES.has(status)) {
    throw failedPrecondition(
      `job ${job.id} is already ${status}; only queued, starting or running jobs can be cancelled`,
    );
  }
  job.cancelledAt = now;
  return json(200, wireJob(job, now));
};

export const getMetrics: Handler = ({ org, params, now }) => {
  const job = findJob(org, params['id']);
  return json(200, metricsAt(job, jobStateAt(job, now)));
};

export const downloadJob: Handler = ({ org, params, now, deps, req }) => {
  const job = findJob(org, params['id']);
  const { status } = jobStateAt(job, now);
  if (status !== 'completed') {
    throw failedPrecondition(`job ${job.id} is ${status}; its model can be downloaded once the job is completed`);
  }
  // The link is built on the host the caller used, so it works through whatever address reached us,
  // unless the operator named the origin clients reach (publicOrigin).
  const origin =
    deps.options.publicOrigin ?? (req.headers.host === undefined ? deps.origin() : `http://${req.headers.host}`);
  const download_url = `${origin}${DOWNLOAD_PATH_PREFIX}${deps.downloads.issue(job, now)}`;
  return json(302, { download_url }, { location: download_url });
};
