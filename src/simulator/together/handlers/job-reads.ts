/**
 * A job's events, checkpoints and metrics. The metrics filters arrive as query parameters (the
 * SDK's way) or in a JSON body on the GET (the spec's way): both are read, the query winning (ours).
 */
import type { FineTuningListEventsResponse } from 'together-ai/resources/fine-tuning';
import { json, type Reply } from '../../reply.js';
import { readJsonBody } from '../../request-body.js';
import type { TogetherContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { wireCheckpoints } from '../job-checkpoints.js';
import { eventsAt } from '../job-events.js';
import { wireMetrics, type MetricsFilter } from '../job-metrics.js';
import { findJob } from './fine-tunes.js';

export function listEvents(ctx: TogetherContext): Reply {
  const job = findJob(ctx.account, ctx.params['id'] ?? '');
  return json(200, { data: eventsAt(job, ctx.now) } satisfies FineTuningListEventsResponse);
}

export const listCheckpoints = (ctx: TogetherContext): Reply =>
  json(200, wireCheckpoints(findJob(ctx.account, ctx.params['id'] ?? ''), ctx.now));

async function bodyFilters(ctx: TogetherContext): Promise<Record<string, unknown>> {
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  const chunked = ctx.req.headers['transfer-encoding'] !== undefined;
  if (length <= 0 && !chunked) return {};
  const body = await readJsonBody(ctx.req);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidRequest('The metrics filters body must be a JSON object.');
  return body as Record<string, unknown>;
}

function integer(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw invalidRequest(`${name} must be an integer ≥ ${min}; got ${JSON.stringify(value)}.`, name);
  return n;
}

function instant(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms))
    throw invalidRequest(`${name} must be an ISO-8601 timestamp; got ${JSON.stringify(value)}.`, name);
  return ms;
}

export async function listMetrics(ctx: TogetherContext): Promise<Reply> {
  const job = findJob(ctx.account, ctx.params['id'] ?? '');
  const raw = { ...(await bodyFilters(ctx)), ...Object.fromEntries(ctx.url.searchParams) };
  const filter: MetricsFilter = {
    globalStepFrom: integer('global_step_from', raw['global_step_from'], 0),
    globalStepTo: integer('global_step_to', raw['global_step_to'], 0),
    loggedAtFrom: instant('logged_at_from', raw['logged_at_from']),
    loggedAtTo: instant('logged_at_to', raw['logged_at_to']),
    resolution: integer('resolution', raw['resolution'], 1),
  };
  return json(200, wireMetrics(job, ctx.now, filter));
}
