import type { GatewayContext } from '../resolvers/context.js';
import type { Loaders } from '../resolvers/loaders.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { MetricPoint, Metrics } from '../upstream/schemas.js';
import { totalsPendingFrom, withJobTotals } from '../upstream/together/wire-job-reads.js';
import { onTogether, upstreamJobId, type JobShape } from '../providers/job-shape.js';
import { builder } from './builder.js';

/** Each metrics' totals, once added: one read of the job (or of its metrics) for all the fields that show them. */
const withTotalsOnce = new WeakMap<Metrics, Promise<Metrics>>();

/**
 * Metrics without points whose totals are still to be read from the job's own metrics (by its
 * upstream id): what a `jobUpdated` event carries of an Nscale job that its poller read no metrics of
 * yet (queued or starting), whose totals Nscale sends with the metrics only, not on the job.
 */
type MetricsReadLater = Metrics & { totalsFromMetrics?: string };

/** No points yet, and the totals of the job `jobId` (the upstream's id) to be read from its metrics when a field shows one. */
export function totalsFromMetricsOf(jobId: string): Metrics {
  const later: MetricsReadLater = {
    points: [],
    trainingSteps: null,
    trainingTokens: null,
    validationSteps: null,
    totalsFromMetrics: jobId,
  };
  return later;
}

/**
 * `metrics` with their totals. Nscale's carry them; Together's records do not, its job does
 * (`withJobTotals`): the full job (`GET /fine-tunes/{id}`; the list's are truncated), read through the
 * request's job loader, so a request that already read the job (`job(id)`) asks nothing more, and one
 * that listed it reads it once. A subscription keeps its loaders for its whole life and clears the job
 * with its metrics at each event (subscription.ts), so each event's totals are read with its metrics:
 * a job first read before training started would otherwise keep its steps unknown. An Nscale job's
 * event without metrics (`totalsFromMetricsOf`) reads them through the metrics loader, which the
 * subscription keeps until its poller reads metrics: once for the subscription, not per event.
 */
export function withTotals(metrics: Metrics, ctx: GatewayContext): Metrics | Promise<Metrics> {
  const jobId = totalsPendingFrom(metrics);
  const metricsOf = (metrics as MetricsReadLater).totalsFromMetrics;
  if (jobId === null && metricsOf === undefined) return metrics;
  let added = withTotalsOnce.get(metrics);
  if (added === undefined) {
    added =
      jobId !== null
        ? totalsFromJob(metrics, jobId, ctx.loaders().job)
        : totalsFromMetrics(metrics, metricsOf!, ctx.loaders().metrics);
    withTotalsOnce.set(metrics, added);
  }
  return added;
}

/** One total of `metrics`, without a promise where they have it already (Nscale's, or added). */
function totalOf<K extends 'trainingSteps' | 'trainingTokens' | 'validationSteps'>(
  metrics: Metrics,
  ctx: GatewayContext,
  key: K,
): Metrics[K] | Promise<Metrics[K]> {
  const whole = withTotals(metrics, ctx);
  return whole instanceof Promise ? whole.then((m) => m[key]) : whole[key];
}

async function totalsFromJob(metrics: Metrics, jobId: string, jobs: Loaders['job']): Promise<Metrics> {
  const job = await jobs.load(jobId);
  return onTogether(job) ? withJobTotals(metrics, job) : metrics;
}

/**
 * `metrics` with the totals of the job's metrics as the upstream answers them; none (null) for a job
 * that has no metrics at all (stopped before it ran), as its poller reads it.
 */
async function totalsFromMetrics(metrics: MetricsReadLater, jobId: string, read: Loaders['metrics']): Promise<Metrics> {
  const { totalsFromMetrics: _read, ...without } = metrics;
  try {
    const { trainingSteps, trainingTokens, validationSteps } = await read.load(jobId);
    return { ...without, trainingSteps, trainingTokens, validationSteps };
  } catch (error) {
    if (isUpstreamError(error) && error.code === 'NOT_FOUND') return without;
    throw error;
  }
}

/**
 * A job's metrics with the gateway's id of their job (`together:…` on Together): what gives `Metrics` an
 * identity of its own, so that a normalized client cache (Apollo's, urql's) merges two answers about the
 * same job's metrics instead of one replacing the other.
 */
export type JobMetrics = Metrics & { readonly ofJob: string };

/** `metrics` as the metrics of the job `jobId` (the id the API gives the job). */
export function metricsOfJob(metrics: Metrics, jobId: string): JobMetrics {
  return { ...metrics, ofJob: jobId };
}

/** `Job.metrics`: a live event's snapshot of them (null: none), else the upstream's, as the metrics of that job. */
export function jobMetrics(job: JobShape, ctx: GatewayContext): JobMetrics | null | Promise<JobMetrics> {
  if (job.metricsSnapshot !== undefined) return job.metricsSnapshot && metricsOfJob(job.metricsSnapshot, job.id);
  return ctx
    .loaders()
    .metrics.load(upstreamJobId(job))
    .then((metrics) => metricsOfJob(metrics, job.id));
}

const MetricPointRef = builder.objectRef<MetricPoint>('MetricPoint').implement({
  description: 'The losses of a job at one training step. A loss that diverged (NaN or infinite upstream) is null.',
  fields: (t) => ({
    step: t.exposeInt('step', { description: 'The training step.' }),
    timestamp: t.expose('timestamp', { type: 'DateTime', description: 'When the step was recorded.' }),
    trainingLoss: t.exposeFloat('trainingLoss', {
      nullable: true,
      description: 'Training loss at this step; null if absent or diverged.',
    }),
    validationLoss: t.exposeFloat('validationLoss', {
      nullable: true,
      description: 'Validation loss; only at evaluation steps, null elsewhere.',
    }),
    perplexity: t.exposeFloat('perplexity', {
      nullable: true,
      description:
        'Validation perplexity, as Nscale reports it; only at evaluation steps, null elsewhere. Always null on ' +
        'Together, which does not report it (and the gateway does not compute it from `validationLoss`).',
    }),
  }),
});

export const MetricsRef = builder.objectRef<JobMetrics>('Metrics').implement({
  description: 'Training progress of a job: its loss curve and totals.',
  fields: (t) => ({
    id: t.id({
      description:
        "The id of these metrics: their job's id followed by `:metrics` (`<job id>:metrics`), the same for as long " +
        'as the job exists, on every read and in every `jobUpdated` event, and unique among metrics (a job has ' +
        "one). For a normalized client cache: answers holding the same job's metrics merge into one object.",
      resolve: (m) => `${m.ofJob}:metrics`,
    }),
    points: t.field({
      type: [MetricPointRef],
      description: 'Every recorded step, oldest first; empty before the first step.',
      resolve: (m) => m.points,
    }),
    latest: t.field({
      type: MetricPointRef,
      nullable: true,
      description: 'The most recent step; null before the first.',
      resolve: (m) => m.points.at(-1) ?? null,
    }),
    bestValidationLoss: t.float({
      nullable: true,
      description: 'The lowest validation loss so far; null before the first evaluation.',
      resolve: (m) => bestValidation(m)?.validationLoss ?? null,
    }),
    bestValidationLossStep: t.int({
      nullable: true,
      description: 'The step of `bestValidationLoss`.',
      resolve: (m) => bestValidation(m)?.step ?? null,
    }),
    trainingSteps: t.int({
      nullable: true,
      description: 'Steps the training takes in all.',
      resolve: (m, _args, ctx) => totalOf(m, ctx, 'trainingSteps'),
    }),
    trainingTokens: t.float({
      nullable: true,
      description: 'Tokens the training reads in all (a whole number; Float because it can exceed 32 bits).',
      resolve: (m, _args, ctx) => totalOf(m, ctx, 'trainingTokens'),
    }),
    validationSteps: t.int({
      nullable: true,
      description:
        'Evaluation steps in all. On Together, the evaluations the job was created with (`n_evals`, which the ' +
        'price counts), though a training of fewer steps runs at most one per step.',
      resolve: (m, _args, ctx) => totalOf(m, ctx, 'validationSteps'),
    }),
  }),
});

function bestValidation(metrics: Metrics): (MetricPoint & { validationLoss: number }) | null {
  let best: (MetricPoint & { validationLoss: number }) | null = null;
  for (const point of metrics.points) {
    if (point.validationLoss !== null && (best === null || point.validationLoss < best.validationLoss)) {
      best = point as MetricPoint & { validationLoss: number };
    }
  }
  return best;
}
