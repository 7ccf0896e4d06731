import { InputProblems } from '../errors/input-problems.js';
import type { GatewayContext } from './context.js';
import { validateJobInput, type CreateJobArgs, type NormalizedJob } from './validate-job-input.js';

/** The job to send upstream, or an InputProblems error listing everything wrong with `input`. */
export async function checkedJob(input: CreateJobArgs, ctx: GatewayContext): Promise<NormalizedJob> {
  const result = await validateJobInput(input, ctx.loaders());
  if (!result.ok) throw new InputProblems(result.problems);
  return result.job;
}
