/**
 * `Query.jobs`: one page of the organization's jobs, from the first page or after a cursor
 * (job-page.ts finds a cursor's place), shaped as a Relay connection. On Nscale the page's jobs prime
 * the job loader (and, with the response cache, the caller's listed jobs), and cursors are encoded only
 * when a query selects them (most pages read nodes alone).
 */
import type { JobStatusWire } from '../contract/hyperparameters.js';
import { badUserInput } from '../errors/bad-user-input.js';
import type { TogetherJobView } from '../providers/together-job.js';
import type { Job as NscaleJob } from '../upstream/schemas.js';
import type { GatewayContext } from './context.js';
import { decodeJobCursor, encodeJobCursor } from './job-cursor.js';
import type { ProviderName } from '../providers/provider-name.js';
import { jobPageAfter, type JobPage, type ListJobs } from './job-page.js';
import { togetherJobList } from './together-job-list.js';
import { togetherSession } from './together-session.js';

type Job = NscaleJob | TogetherJobView;

/** The largest page `first` may ask for. */
export const MAX_PAGE = 100;

export interface JobsArgs {
  first: number;
  after?: string | null;
  status?: JobStatusWire | null;
}

export interface JobsConnection {
  edges: Array<{ node: Job; readonly cursor: string }>;
  totalCount: number;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
}

export async function resolveJobs(args: JobsArgs, ctx: GatewayContext): Promise<JobsConnection> {
  if (args.first < 1 || args.first > MAX_PAGE)
    throw badUserInput('first', `first: ${args.first} is not an integer from 1 to ${MAX_PAGE}`);
  const status = args.status ?? null;
  const together = togetherSession(ctx);
  const provider: ProviderName = together ? 'together' : 'nscale';
  const list: ListJobs = together
    ? togetherJobList(together, status, ctx.call)
    : async (offset, limit) =>
        ctx.services.client.listJobs(ctx.credentials(), { ...ctx.call, limit, offset, ...(status ? { status } : {}) });
  // Before the first call: how old the page's jobs may be is counted from when they were asked.
  const askedAt = ctx.services.now();
  let page: JobPage;
  if (args.after == null) {
    page = { offset: 0, ...(await list(0, args.first)) };
  } else {
    const cursor = decodeJobCursor(args.after);
    if (cursor.provider !== null && cursor.provider !== provider)
      throw badUserInput(
        'after',
        `after: this cursor was read from provider ${cursor.provider}'s jobs, not from ${provider}'s (X-Provider); ` +
          `page on the provider it came from, or start again from the first page`,
      );
    if (cursor.status !== status) {
      const named = (s: string | null) =>
        s === null ? 'jobs without a status filter' : `jobs(status: ${s.toUpperCase()})`;
      throw badUserInput(
        'after',
        `after: this cursor was read from ${named(cursor.status)}, not from ${named(status)}; page with ` +
          `the same status, or start again from the first page`,
      );
    }
    page = await jobPageAfter(list, cursor, args.first);
  }
  // Nscale's list holds each job whole (`{ data: [Job] }`), as `GET /jobs/{id}` gives it: its jobs
  // answer this request's `job(id)` (the loader), and, on a query the response cache serves, the
  // caller's next ones (listed-jobs.ts). Together's holds a truncated job (no events, so a failed
  // job's message is missing): `job(id)` asks for the full one.
  if (!together) {
    const jobs = page.jobs as NscaleJob[]; // `list` above is Nscale's
    const loader = ctx.loaders().job;
    for (const job of jobs) loader.prime(job.id, job);
    ctx.listedJobs?.remember(jobs, askedAt);
  }
  return connectionOf(page, status, provider);
}

function connectionOf(page: JobPage, status: JobStatusWire | null, provider: ProviderName): JobsConnection {
  const cursorAt = (i: number): string | null => {
    const job = page.jobs[i];
    return job
      ? encodeJobCursor({
          provider,
          status,
          createdAt: job.createdAt.getTime(),
          id: job.id,
          position: page.offset + i,
          total: page.total,
        })
      : null;
  };
  const edges = page.jobs.map((job, i) => ({
    node: job,
    get cursor(): string {
      return cursorAt(i) as string;
    },
  }));
  return {
    edges,
    totalCount: page.total,
    pageInfo: {
      hasNextPage: page.offset + page.jobs.length < page.total,
      hasPreviousPage: page.offset > 0,
      get startCursor() {
        return cursorAt(0);
      },
      get endCursor() {
        return cursorAt(page.jobs.length - 1);
      },
    },
  };
}
