/**
 * Reading an organization's job list for `jobsUpdated`: pages of `GET /jobs`, newest first, until
 * the list's end or `maxJobs` jobs (the window). A job past the window that the list poller already
 * knows is not lost: list-followed.ts reads it by id (see README.md, "The list's window").
 */
import type { Job } from '../upstream/schemas.js';
import type { CallOptions, Credentials } from '../upstream/types.js';
import type { LiveClient } from './options.js';

export interface ListPaging {
  /** `limit` of each `GET /jobs` call. */
  pageSize: number;
  /**
   * The window: pages are read until `total` or this many jobs. A job past it is watched only if the
   * poller knew it before it left the window (read by id then), or a subscriber asked for it.
   */
  maxJobs: number;
}

export interface ListRead {
  /** The newest `maxJobs` jobs at most, newest first. A job seen twice (the list shifted between pages) counts once. */
  window: Job[];
  /**
   * Jobs the upstream answered past the window, by id: none from a paged upstream (it is never asked
   * for them); the rest of the list from one that has no paging (Together), which answers it whole.
   */
  beyond: ReadonlyMap<string, Job>;
}

/**
 * The window, page after page. A page may hold more jobs than its `limit`: an upstream without
 * paging answers the rest of its list at once (its `LiveClient` says so), and that answer ends the
 * read, so one poll asks it once however long the list.
 */
export async function readList(
  client: LiveClient,
  creds: Credentials,
  paging: ListPaging,
  call: CallOptions = {},
): Promise<ListRead> {
  const window = new Map<string, Job>();
  const beyond = new Map<string, Job>();
  let offset = 0;
  while (window.size < paging.maxJobs) {
    const limit = Math.min(paging.pageSize, paging.maxJobs - window.size);
    const page = await client.listJobs(creds, { ...call, limit, offset });
    for (const job of page.jobs) {
      if (window.has(job.id) || window.size < paging.maxJobs) window.set(job.id, job);
      else beyond.set(job.id, job);
    }
    offset += page.jobs.length;
    if (page.jobs.length === 0 || offset >= page.total) break;
  }
  return { window: [...window.values()], beyond };
}

/** The window alone: what a joining subscriber's access check reads and is first sent. */
export async function listAllJobs(
  client: LiveClient,
  creds: Credentials,
  paging: ListPaging,
  call: CallOptions = {},
): Promise<Job[]> {
  return (await readList(client, creds, paging, call)).window;
}
