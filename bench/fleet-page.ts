/**
 * What a dashboard of the fleet benchmark asks, every poll: the jobs list (the fields of the
 * dashboard's `JobsList`) and the job it has open (the fields of its `JobDetail` that the job and its
 * metrics hold: status, dates, settings, the loss curve). The dashboard gets them through
 * subscriptions; a fleet of polling browsers asks them as queries. And the bytes a correct answer
 * has, built from the upstream's bodies: what the REST pass-through returns, and what the gateway's
 * answers were checked against (identical at the start of each scenario).
 *
 * Plain TypeScript without imports: reference-server.ts runs it as JavaScript (plain-js.ts).
 */

export const LIST_QUERY =
  'query JobsList { jobs(first: 20) { totalCount edges { node { id name status baseModelId baseModel { name } createdAt startedAt completedAt } } } }';

export const DETAIL_QUERY =
  'query JobDetail($id: ID!) { job(id: $id) { id name status baseModelId baseModel { name } createdAt startedAt completedAt error { code message } ' +
  'datasetId promptColumn answerColumn hyperparameters { batchSize learningRate nEpochs nEvals warmupRatio weightDecay bestCheckpoints maskPromptLabels ' +
  'lora { r alpha dropout trainableModules } } metrics { trainingSteps bestValidationLoss bestValidationLossStep ' +
  'latest { step trainingLoss validationLoss } points { step trainingLoss validationLoss } } } }';

/** The list page below the organization, as the gateway asks for `jobs(first: 20)`. */
export const LIST_PATH = '/jobs?limit=20&offset=0';

type Loss = string | number | null | undefined;

interface WireJob {
  id: string;
  name: string;
  status: string;
  base_model_id: string;
  base_model_name: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error?: { code: string; message: string | null } | null;
  dataset: { id: string; prompt_column?: string | null; answer_column: string };
  hyperparameters: {
    batch_size: number;
    learning_rate: number;
    n_epochs: number;
    n_evals: number;
    warmup_ratio: number;
    weight_decay: number;
    best_checkpoints: boolean;
    mask_prompt_labels?: boolean;
    lora: { r: number; alpha: number; dropout: number; trainable_modules: string[] };
  };
}

interface WireMetrics {
  data: Array<{ step: number; training_loss?: Loss; validation_loss?: Loss }> | null;
  training_steps?: number | null;
}

const date = (value: string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** A loss as the gateway reads it: strings and numbers, "NaN" and "inf" (a diverged run) as null. */
function loss(value: Loss): number | null {
  if (value === null || value === undefined) return null;
  const n =
    typeof value === 'number'
      ? value
      : Number(
          value
            .trim()
            .toLowerCase()
            .replace(/^([+-]?)inf(inity)?$/, '$1Infinity'),
        );
  return Number.isFinite(n) ? n : null;
}

function listNode(job: WireJob) {
  return {
    id: job.id,
    name: job.name,
    status: job.status.toUpperCase(),
    baseModelId: job.base_model_id,
    baseModel: { name: job.base_model_name },
    createdAt: date(job.created_at),
    startedAt: date(job.started_at),
    completedAt: date(job.completed_at),
  };
}

/** The answer to LIST_QUERY for this upstream page. */
export function fleetListBody(upstreamPage: string): string {
  const page = JSON.parse(upstreamPage) as { data: WireJob[]; total: number };
  return JSON.stringify({
    data: { jobs: { totalCount: page.total, edges: page.data.map((j) => ({ node: listNode(j) })) } },
  });
}

function metricsOf(wire: WireMetrics) {
  const points = (wire.data ?? []).map((p) => ({
    step: p.step,
    trainingLoss: loss(p.training_loss),
    validationLoss: loss(p.validation_loss),
  }));
  let best: { step: number; validationLoss: number } | null = null;
  for (const p of points) {
    if (p.validationLoss !== null && (best === null || p.validationLoss < best.validationLoss))
      best = { step: p.step, validationLoss: p.validationLoss };
  }
  return {
    trainingSteps: wire.training_steps ?? null,
    bestValidationLoss: best?.validationLoss ?? null,
    bestValidationLossStep: best?.step ?? null,
    latest: points.at(-1) ?? null,
    points,
  };
}

/** The answer to DETAIL_QUERY for this upstream job and its metrics. */
export function fleetDetailBody(upstreamJob: string, upstreamMetrics: string): string {
  const job = JSON.parse(upstreamJob) as WireJob;
  const h = job.hyperparameters;
  const node = {
    ...listNode(job),
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
    datasetId: job.dataset.id,
    promptColumn: job.dataset.prompt_column ?? null,
    answerColumn: job.dataset.answer_column,
    hyperparameters: {
      batchSize: h.batch_size,
      learningRate: h.learning_rate,
      nEpochs: h.n_epochs,
      nEvals: h.n_evals,
      warmupRatio: h.warmup_ratio,
      weightDecay: h.weight_decay,
      bestCheckpoints: h.best_checkpoints,
      maskPromptLabels: h.mask_prompt_labels ?? false,
      lora: {
        r: h.lora.r,
        alpha: h.lora.alpha,
        dropout: h.lora.dropout,
        trainableModules: h.lora.trainable_modules.map((m) => m.toUpperCase()),
      },
    },
    metrics: metricsOf(JSON.parse(upstreamMetrics) as WireMetrics),
  };
  return JSON.stringify({ data: { job: node } });
}
