import type { MetricPoint, Metrics } from '../upstream/schemas.js';
import { builder } from './builder.js';

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
      description: 'Validation perplexity; only at evaluation steps, null elsewhere.',
    }),
  }),
});

export const MetricsRef = builder.objectRef<Metrics>('Metrics').implement({
  description: 'Training progress of a job: its loss curve and totals.',
  fields: (t) => ({
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
      resolve: (m) => m.trainingSteps,
    }),
    trainingTokens: t.float({
      nullable: true,
      description: 'Tokens the training reads in all (a whole number; Float because it can exceed 32 bits).',
      resolve: (m) => m.trainingTokens,
    }),
    validationSteps: t.int({
      nullable: true,
      description: 'Evaluation steps in all.',
      resolve: (m) => m.validationSteps,
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
