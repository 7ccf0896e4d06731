/**
 * What a fine-tune has besides itself: its events, checkpoints and per-step metrics, and the price
 * estimate of a would-be job (the SDK's `FinetuneEvent`, `FineTuningListCheckpointsResponse`,
 * `FineTuningListMetricsResponse`, `FineTuningEstimatePriceResponse`).
 */
import { z } from 'zod';
import type { Metrics } from '../schemas.js';
import { unixSeconds } from './wire-files.js';

export const wireEventSchema = z.object({
  created_at: z.string(),
  message: z.string(),
  // Open: a new event type must not make a job unreadable.
  type: z.string(),
  level: z.string().nullish(),
  step: z.number().int().optional(),
  // The steps the training takes in all (the spec requires it on every event; 0 while unknown).
  total_steps: z.number().int().optional(),
});

export const eventListSchema = z.object({ data: z.array(wireEventSchema) }).transform((l) =>
  l.data.map((e) => ({
    createdAt: new Date(e.created_at),
    type: e.type,
    level: e.level ?? null,
    message: e.message,
    step: e.step ?? null,
  })),
);
export type TogetherEvent = z.output<typeof eventListSchema>[number];

export const checkpointListSchema = z
  .object({
    data: z.array(
      z.object({
        step: z.number().int(),
        created_at: z.string(),
        checkpoint_type: z.string(),
        path: z.string().optional(),
        checkpoint: z.string().optional(),
      }),
    ),
  })
  .transform((l) =>
    l.data.map((c) => ({
      step: c.step,
      createdAt: new Date(c.created_at),
      /** Together's label: "Final (step 40)", "Intermediate (step 10)". */
      label: c.checkpoint_type,
      final: /^final/i.test(c.checkpoint_type),
      /** `adapter` (LoRA) or `model` (Full), when Together says. */
      artifact: c.checkpoint ?? null,
    })),
  );
export type TogetherCheckpoint = z.output<typeof checkpointListSchema>[number];

/**
 * One record per trained step; `eval_loss` only on evaluation steps. Mapped to the gateway's metric
 * points: `train_loss` is the training loss, `eval_loss` the validation loss. Together reports no
 * perplexity, and none is computed: a field the provider does not fill is null.
 */
export const metricsSchema = z
  .object({
    metrics: z.array(
      z.object({
        global_step: z.number().int(),
        logged_at: unixSeconds,
        train_loss: z.number().optional(),
        eval_loss: z.number().optional(),
        epoch: z.number().optional(),
        learning_rate: z.number().optional(),
      }),
    ),
  })
  .transform((m) => ({
    points: m.metrics
      .map((r) => ({
        step: r.global_step,
        timestamp: r.logged_at,
        trainingLoss: finite(r.train_loss),
        validationLoss: finite(r.eval_loss),
        perplexity: null,
        epoch: r.epoch ?? null,
        learningRate: r.learning_rate ?? null,
      }))
      .sort((a, b) => a.step - b.step),
    // Not in the metrics records: `withJobTotals` adds them from the job.
    trainingSteps: null as number | null,
    trainingTokens: null as number | null,
    validationSteps: null as number | null,
  }));

/**
 * A job's metrics as the client reads them. Until `withJobTotals` has added the totals, `totalsFromJob`
 * names the job to read them from (Together's own id, as the metrics were asked by): a reader that
 * already holds that job (a request that read it, a poll that just did) adds them at no further call.
 */
export type TogetherMetrics = z.output<typeof metricsSchema> & { totalsFromJob?: string };

/** The job whose totals `metrics` still lack (Together's own id), or null: they have them, or are Nscale's. */
export function totalsPendingFrom(metrics: object): string | null {
  const pending = (metrics as TogetherMetrics).totalsFromJob;
  return typeof pending === 'string' ? pending : null;
}

/** What a job says of its training in all, read from it (`wire-job.ts`). */
export interface TogetherJobTotals {
  trainingSteps: number | null;
  tokenCount: number | null;
  hyperparameters: { nEvals: number | null };
}

/**
 * The metrics with the totals Together sends on the job rather than with the records: the steps of
 * the training (its events' `total_steps`), the tokens it processes (`token_count`) and the
 * evaluations it runs (`n_evals`). Each stays null when the job does not say it (the steps, before
 * training starts; and a job from the list, which is truncated: read the full one). The metrics then
 * no longer name a job to read them from.
 */
export function withJobTotals<M extends Metrics & { totalsFromJob?: string }>(
  metrics: M,
  job: TogetherJobTotals,
): Omit<M, 'totalsFromJob'> {
  const { totalsFromJob: _added, ...records } = metrics;
  return {
    ...records,
    trainingSteps: job.trainingSteps,
    trainingTokens: job.tokenCount,
    validationSteps: job.hyperparameters.nEvals,
  };
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

const UNAVAILABLE_REASONS: Record<string, string> = {
  train_file_not_validated: 'the training file has not finished uploading or being checked',
  train_file_invalid: 'the training file failed Together’s checks',
  eval_file_not_validated: 'the validation file has not finished uploading or being checked',
  eval_file_invalid: 'the validation file failed Together’s checks',
};

export const estimateSchema = z
  .union([
    z.object({
      estimation_available: z.literal(true),
      estimated_train_token_count: z.number(),
      estimated_eval_token_count: z.number(),
      estimated_total_price: z.number(),
      allowed_to_proceed: z.boolean(),
      user_limit: z.number(),
    }),
    z.object({ estimation_available: z.literal(false), unavailable_reason: z.string() }),
  ])
  .transform((e) =>
    e.estimation_available
      ? {
          available: true as const,
          trainTokens: e.estimated_train_token_count,
          evalTokens: e.estimated_eval_token_count,
          totalPriceUsd: e.estimated_total_price,
          allowedToProceed: e.allowed_to_proceed,
          availableBalanceUsd: e.user_limit,
          reason: e.allowed_to_proceed
            ? null
            : `the estimated price ($${e.estimated_total_price}) exceeds the available balance ($${e.user_limit})`,
        }
      : {
          available: false as const,
          unavailableReason: e.unavailable_reason,
          reason: UNAVAILABLE_REASONS[e.unavailable_reason] ?? e.unavailable_reason.replaceAll('_', ' '),
        },
  );
export type TogetherEstimate = z.output<typeof estimateSchema>;
