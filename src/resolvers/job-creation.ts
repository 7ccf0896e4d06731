/**
 * A new job, checked and ready to create on the request's provider: how to create it, and how to
 * read a job of the caller back by its upstream id (a keyed retry's answer, create-job-once.ts).
 * The input is checked in full before anything is sent; a malformed `idempotencyKey` is one more
 * BAD_USER_INPUT among the input's problems.
 */
import { InputProblems, type Problem } from '../errors/input-problems.js';
import { type JobShape } from '../providers/job-shape.js';
import { togetherJobView } from '../providers/together-job.js';
import type { CallOptions } from '../upstream/types.js';
import { checkedJob } from './checked-job.js';
import type { GatewayContext } from './context.js';
import type { JobArgs } from './job-args.js';
import { togetherSession } from './together-session.js';
import { validateTogetherJob } from './validate-together-job.js';

/** What `idempotencyKey` may be: 1 to 128 characters of a set that is safe in logs, URLs and headers. */
const KEY_FORM = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

export interface JobCreation {
  /** Creates the job (once: the caller decides). */
  create(call: CallOptions): Promise<JobShape>;
  /** Reads the caller's job `upstreamId` back from the provider, as `job(id)` would. */
  read(upstreamId: string): Promise<JobShape>;
}

/** The problem with an `idempotencyKey`, naming the value (when short enough to quote) and the rule; none when absent. */
export function idempotencyKeyProblem(key: string | null | undefined): Problem | undefined {
  if (key == null || KEY_FORM.test(key)) return undefined;
  const value = key.length > MAX_IDEMPOTENCY_KEY_LENGTH ? `${key.length} characters` : JSON.stringify(key);
  return {
    field: 'idempotencyKey',
    message:
      `idempotencyKey: ${value} is not 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters of A–Z, a–z, 0–9, ` +
      '".", "_", ":" or "-" (a UUID fits)',
  };
}

/** The job of `input` on the request's provider, checked; InputProblems listing everything wrong otherwise. */
export async function jobCreation(
  input: JobArgs & { idempotencyKey?: string | null },
  ctx: GatewayContext,
): Promise<JobCreation> {
  const keyProblem = idempotencyKeyProblem(input.idempotencyKey);
  let creation: JobCreation;
  try {
    creation = await checkedCreation(input, ctx);
  } catch (error) {
    if (keyProblem && error instanceof InputProblems) throw new InputProblems([keyProblem, ...error.problems]);
    throw error;
  }
  if (keyProblem) throw new InputProblems([keyProblem]);
  return creation;
}

async function checkedCreation(input: JobArgs, ctx: GatewayContext): Promise<JobCreation> {
  const together = togetherSession(ctx);
  if (!together) {
    const job = await checkedJob(input, ctx);
    return {
      create: (call) => ctx.services.client.createJob(ctx.credentials(), job, call),
      read: (id) => ctx.services.client.getJob(ctx.credentials(), id, ctx.call),
    };
  }
  const checked = await validateTogetherJob(input, ctx);
  if (!checked.ok) throw new InputProblems(checked.problems);
  return {
    create: async (call) => togetherJobView(await together.client.createJob(together.creds, checked.job, call)),
    read: async (id) => togetherJobView(await together.client.getJob(together.creds, id, ctx.call)),
  };
}
