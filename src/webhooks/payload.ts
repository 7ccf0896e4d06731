/**
 * The body of a webhook delivery (Standard Webhooks' `{type, timestamp, data}`): the event, when the
 * gateway saw it, and the job as the GraphQL API shows it — its scalar fields under the same names and
 * in the same forms (public ids, upper-case statuses, ISO-8601 dates) — with its provider and, for a
 * move, the status it left. The same text is signed, stored and shown in `WebhookDelivery.payload`.
 */
import { publicId } from '../providers/provider-ids.js';
import type { ProviderName } from '../providers/provider-name.js';
import { onTogether, type JobShape } from '../providers/job-shape.js';
import type { JobStatus } from '../upstream/schemas.js';
import type { WebhookEventType } from './events.js';

/** The job in a payload: what `Job` answers for these fields. */
export interface WebhookJob {
  id: string;
  provider: string;
  name: string;
  status: string;
  baseModelId: string;
  datasetId: string | null;
  trainingFileId: string | null;
  validationFileId: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  error: { code: string; message: string | null } | null;
}

export interface WebhookBody {
  type: WebhookEventType;
  timestamp: string;
  data: { provider: string; job: WebhookJob; previousStatus: string | null };
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

export function webhookJob(provider: ProviderName, job: JobShape): WebhookJob {
  const together = onTogether(job) ? job : null;
  return {
    id: job.id,
    provider: provider.toUpperCase(),
    name: job.name,
    status: job.status.toUpperCase(),
    baseModelId: job.baseModelId,
    datasetId: onTogether(job) ? null : job.dataset.id,
    trainingFileId: together?.trainingFileId ? publicId('together', together.trainingFileId) : null,
    validationFileId: together?.validationFileId ? publicId('together', together.validationFileId) : null,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    completedAt: iso(job.completedAt),
    error: job.error ? { code: job.error.code, message: job.error.message ?? null } : null,
  };
}

export function webhookBody(
  type: WebhookEventType,
  provider: ProviderName,
  job: JobShape,
  previous: JobStatus | null,
  at: Date,
): string {
  const body: WebhookBody = {
    type,
    timestamp: at.toISOString(),
    data: {
      provider: provider.toUpperCase(),
      job: webhookJob(provider, job),
      previousStatus: previous === null ? null : previous.toUpperCase(),
    },
  };
  return JSON.stringify(body);
}
