/**
 * A new job, checked and ready to create on the request's provider: how to create it, how to read a
 * job of the caller back by its upstream id (a keyed retry's answer, create-job-once.ts), and how to
 * find the caller's jobs that this input would have made (a keyed retry's check of a creation whose
 * outcome is unknown). The input is checked in full before anything is sent; a malformed
 * `idempotencyKey` is one more BAD_USER_INPUT among the input's problems.
 *
 * Which listed job "is" this input's (`matching`): the fields the provider echoes on every job it
 * lists, as sent. Nscale: `name`, `base_model_id` and `dataset.id`. Together: `model`, `training_file`
 * and `suffix` (the gateway sends the job's name as the suffix); a listed job without `suffix` matches
 * by its `model_output_name`, which Together builds as `<user>/<model>-<suffix>-<id part>`.
 */
import { InputProblems, type Problem } from '../errors/input-problems.js';
import { type JobShape } from '../providers/job-shape.js';
import { togetherJobView } from '../providers/together-job.js';
import type { TogetherCreateJobInput } from '../upstream/together/create-job-input.js';
import type { TogetherJob } from '../upstream/together/wire-job.js';
import type { CreateJobInput, Job } from '../upstream/schemas.js';
import type { CallOptions, UpstreamClient } from '../upstream/types.js';
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
  /**
   * The caller's jobs on the provider created at or after `from` that match this input (see the
   * header), by upstream id. Rejects when the provider's list cannot be read back to `from` (an error,
   * or more than LIST_PAGES pages of jobs since then): nothing can be concluded then.
   */
  matching(from: Date): Promise<string[]>;
}

/** Nscale's list is paged, newest first: this many jobs a page (its largest), and at most this many pages. */
const PAGE_SIZE = 100;
const LIST_PAGES = 3;

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
    const { client } = ctx.services;
    return {
      create: (call) => client.createJob(ctx.credentials(), job, call),
      read: (id) => client.getJob(ctx.credentials(), id, ctx.call),
      matching: async (from) =>
        (await nscaleJobsSince(client, ctx, from)).filter((j) => nscaleMatch(job, j)).map((j) => j.id),
    };
  }
  const checked = await validateTogetherJob(input, ctx);
  if (!checked.ok) throw new InputProblems(checked.problems);
  return {
    create: async (call) => togetherJobView(await together.client.createJob(together.creds, checked.job, call)),
    read: async (id) => togetherJobView(await together.client.getJob(together.creds, id, ctx.call)),
    // Together's list is unpaged (every job of the account, oldest first): one read.
    matching: async (from) =>
      (await together.client.listJobs(together.creds, ctx.call))
        .filter((j) => j.createdAt.getTime() >= from.getTime() && togetherMatch(checked.job, j))
        .map((j) => j.id),
  };
}

/** The caller's Nscale jobs created at or after `from`: pages read newest first until one reaches past `from`. */
async function nscaleJobsSince(client: UpstreamClient, ctx: GatewayContext, from: Date): Promise<Job[]> {
  const jobs = new Map<string, Job>();
  for (let page = 0; page < LIST_PAGES; page++) {
    const { jobs: listed, total } = await client.listJobs(ctx.credentials(), {
      ...ctx.call,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
    });
    // A job created meanwhile shifts the pages by one: a job is then seen twice, never missed.
    for (const job of listed) if (job.createdAt.getTime() >= from.getTime()) jobs.set(job.id, job);
    const ended = listed.length < PAGE_SIZE || (page + 1) * PAGE_SIZE >= total;
    if (ended || listed.some((job) => job.createdAt.getTime() < from.getTime())) return [...jobs.values()];
  }
  throw new Error(`more than ${LIST_PAGES * PAGE_SIZE} jobs since ${from.toISOString()}: not read further`);
}

function nscaleMatch(sent: CreateJobInput, job: Job): boolean {
  return job.name === sent.name && job.baseModelId === sent.baseModelId && job.dataset.id === sent.dataset.id;
}

function togetherMatch(sent: TogetherCreateJobInput, job: TogetherJob): boolean {
  if (job.baseModelId !== sent.model || job.trainingFileId !== sent.trainingFileId) return false;
  if (sent.suffix === undefined) return job.suffix === null;
  if (job.suffix !== null) return job.suffix === sent.suffix;
  return job.outputModelName?.includes(`-${sent.suffix}-`) ?? false;
}
