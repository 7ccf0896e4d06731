import { InputProblems } from '../errors/input-problems.js';
import type { GatewayContext } from './context.js';
import { refusedByProvider, withNscaleBatchSize, type JobArgs } from './job-args.js';
import { validateJobInput, type NormalizedJob } from './validate-job-input.js';

/** The Nscale job to send upstream, or an InputProblems error listing everything wrong with `input`. */
export async function checkedJob(input: JobArgs, ctx: GatewayContext): Promise<NormalizedJob> {
  const refused = refusedByProvider(input, 'nscale');
  // Without a dataset there is nothing to check the columns against: what is missing is the answer.
  if (input.dataset == null) throw new InputProblems(refused);
  const result = await validateJobInput(
    { ...input, dataset: input.dataset, hyperparameters: withNscaleBatchSize(input.hyperparameters) },
    ctx.loaders(),
  );
  const problems = [...refused, ...(result.ok ? [] : result.problems)];
  if (!result.ok || problems.length > 0) throw new InputProblems(problems);
  return result.job;
}
