/**
 * One page of the `jobs` connection after a cursor, on an upstream that pages only by offset.
 *
 * Why not offsets in the cursor: the list is newest first, so each job created between two page
 * requests pushes every job one place back, and page 2 would start with the last job of page 1.
 * The cursor holds the last job's creation time and id instead, and its position and the list's
 * length then; the page starts right after wherever that job is now.
 *
 * Finding it, in at most MAX_LIST_CALLS upstream calls (3 to find the place, 1 to fill the page):
 * 1. Look where the job was (offset `position`, one more job than the page): unchanged lists, the
 *    common case, cost this one call, as offsets did.
 * 2. Otherwise predict: on the unfiltered list, jobs are only ever added (the upstream deletes none),
 *    and always in front, so the job moved back by exactly the growth of the list (`total` now −
 *    `total` then): one more call, however many jobs were created. (On a filtered list, a guess.)
 * 3. Otherwise (a status filter, whose jobs also leave it as they progress) walk windows of
 *    SEEK_WINDOW jobs towards it, telling "before or at the cursor" from "after it" by creation time.
 * The cursor's job found: the page starts after it. Gone from the list (it left the status filter):
 * the page starts at the first job created before it. Not placed within the calls: BAD_USER_INPUT
 * naming `after`, telling to start again from the first page.
 */
import { badUserInput } from '../errors/bad-user-input.js';
import type { TogetherJobView } from '../providers/together-job.js';
import type { Job as NscaleJob } from '../upstream/schemas.js';
import type { JobCursor } from './job-cursor.js';

/** A job of either provider: the paging reads its creation time and id only. */
type Job = NscaleJob | TogetherJobView;

/** The upstream's largest page. */
export const SEEK_WINDOW = 100;
/** Upstream calls one page may cost: up to MAX_LIST_CALLS − 1 to find the place, one to fill the page. */
export const MAX_LIST_CALLS = 4;

export type ListJobs = (offset: number, limit: number) => Promise<{ jobs: Job[]; total: number }>;

export interface JobPage {
  /** Position of the page's first job in the list. */
  offset: number;
  jobs: Job[];
  total: number;
}

export async function jobPageAfter(list: ListJobs, cursor: JobCursor, first: number): Promise<JobPage> {
  const held = new Map<number, Job>();
  let calls = 0;
  let total: number;
  /** Every position below `lo` is before or at the cursor; every one from `hi` on is after it. */
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let predicted = false;
  let offset = cursor.position;
  let limit = Math.min(SEEK_WINDOW, first + 1);

  // Newest first: a job created later than the cursor's is before it, earlier is after it. A job
  // created in the same millisecond is neither, by time alone (see below).
  const isAfter = (job: Job): boolean => job.createdAt.getTime() < cursor.createdAt;
  const isBefore = (job: Job): boolean => job.createdAt.getTime() > cursor.createdAt;
  const allHeld = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (!held.has(i)) return false;
    return true;
  };

  for (;;) {
    if (calls === MAX_LIST_CALLS - 1) {
      throw badUserInput(
        'after',
        `after: the list of jobs has changed too much since this cursor was made to find its place ` +
          `within ${MAX_LIST_CALLS - 1} upstream calls; start again from the first page`,
      );
    }
    calls++;
    const page = await list(offset, limit);
    total = page.total;
    hi = Math.min(hi, total);
    page.jobs.forEach((job, k) => held.set(offset + k, job));
    const at = page.jobs.findIndex((job) => job.id === cursor.id);
    if (at >= 0) {
      lo = hi = offset + at + 1;
      break;
    }
    page.jobs.forEach((job, k) => {
      if (isAfter(job)) hi = Math.min(hi, offset + k);
      else if (isBefore(job)) lo = Math.max(lo, offset + k + 1);
    });
    // Jobs created in the cursor's millisecond cannot be told apart by time. Once every place between
    // `lo` and `hi` has been seen without the cursor's job, that job has left the list, and the page
    // starts at the first of them: it may repeat one already shown, but misses none.
    if (lo >= hi) break;
    if (hi !== Number.POSITIVE_INFINITY && allHeld(lo, hi)) {
      hi = lo;
      break;
    }
    const guess = cursor.position + (total - cursor.total);
    if (!predicted && total > cursor.total && guess >= lo && guess < hi) {
      // Exact on the unfiltered list; on a filtered one, a guess worth one call.
      predicted = true;
      offset = guess;
      limit = Math.min(SEEK_WINDOW, first + 1);
    } else if (hi <= offset) {
      // The place is before this window (jobs before it left the list): step back towards `lo`.
      offset = Math.max(lo, offset - SEEK_WINDOW);
      limit = Math.min(SEEK_WINDOW, hi - offset);
    } else {
      // The place is after this window (jobs were added in front): step forward from `lo`.
      offset = lo;
      limit = SEEK_WINDOW;
    }
  }

  // Ties in creation time could in theory leave lo > hi when the job is gone; the later place is
  // the one that repeats no job already shown.
  const start = Math.max(lo, Math.min(hi, total));
  const jobs: Job[] = [];
  for (let i = start; i < start + first && held.has(i); i++) jobs.push(held.get(i) as Job);
  if (jobs.length < first && start + jobs.length < total) {
    const more = await list(start + jobs.length, first - jobs.length);
    // Jobs created since the calls above push the list back: skip any already on this page.
    const last = jobs.at(-1);
    const seen = new Set(jobs.map((j) => j.id));
    for (const job of more.jobs) {
      if (seen.has(job.id) || job.id === cursor.id) continue;
      if (last !== undefined && job.createdAt.getTime() > last.createdAt.getTime()) continue;
      jobs.push(job);
    }
    total = more.total;
  }
  return { offset: start, jobs, total };
}
