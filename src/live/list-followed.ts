/**
 * The jobs a list poller follows one by one: every job it knows as not finished (from any instance's
 * snapshots, or named by a subscriber), read by id at each list poll while it is past the list's
 * window, until it finishes. Newer jobs pushing a running job out of the window no longer hide its
 * completion (README.md, "The list's window", has the rules and the cost).
 */
import { isUpstreamError, type UpstreamErrorCode } from '../upstream/errors.js';
import type { Job } from '../upstream/schemas.js';
import type { CallOptions, Credentials } from '../upstream/types.js';
import type { ListRead } from './list-window.js';
import type { LiveClient, LiveUpdatesLogger } from './options.js';
import { isTerminal } from './snapshot.js';

/** By-id reads in flight at once: a poll with many followed jobs does not open many connections. */
const READS_AT_ONCE = 4;

/** Answers after which the job is not followed any more: it is gone, or not this account's. */
const FORGOTTEN: ReadonlySet<UpstreamErrorCode> = new Set(['NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT']);

export interface FollowedJobs {
  /** A job state seen (a snapshot from any instance, or a subscriber's list): followed until it finishes. */
  note(job: Job): void;
  /** Jobs a subscriber knows as not finished; followed until read finished, or refused. */
  ask(ids: readonly string[]): void;
  /** Whether `id` is followed (known not finished, or asked for). */
  has(id: string): boolean;
  /**
   * The followed jobs missing from the window: those the upstream answered beyond it (no call), then
   * `perPoll` at most read by id (`getJob`), the longest unread first. Throws when the token is
   * refused (UNAUTHENTICATED) or the poll aborted; a job refused for itself (NOT_FOUND, FORBIDDEN), or
   * whose id the client refuses, is forgotten; after any other failure the rest wait for the next poll.
   */
  read(creds: Credentials, list: ListRead, call: CallOptions): Promise<Job[]>;
}

/**
 * What a failed read by id means: the poll fails (the token was refused, or the poll was stopped);
 * the job is forgotten (refused for itself, or not an id this client can read: a subscriber may
 * name anything); or it is read again at the next poll (5xx, 429, a timeout).
 */
function failureOf(error: unknown, signal: AbortSignal | undefined): 'fail' | 'forget' | 'retry' {
  if (signal?.aborted) return 'fail';
  if (!isUpstreamError(error)) return 'forget';
  if (error.code === 'UNAUTHENTICATED') return 'fail';
  return FORGOTTEN.has(error.code) ? 'forget' : 'retry';
}

export function followedJobs(client: LiveClient, perPoll: number, logger: LiveUpdatesLogger): FollowedJobs {
  // Insertion order is the reading order: a job read goes to the end (round robin past `perPoll`).
  const followed = new Set<string>();
  const settle = (job: Job) => {
    if (isTerminal(job.status)) followed.delete(job.id);
    else followed.add(job.id);
  };

  /** The jobs to read by id, in turn; meanwhile, what the window and the rest of the list answered settles the others. */
  const dueOf = ({ window, beyond }: ListRead, found: Job[]): string[] => {
    const listed = new Map(window.map((job) => [job.id, job]));
    const due: string[] = [];
    for (const id of [...followed]) {
      const known = listed.get(id) ?? beyond.get(id);
      if (known === undefined) {
        if (due.length < perPoll) due.push(id);
        continue;
      }
      if (!listed.has(id)) found.push(known);
      if (isTerminal(known.status)) followed.delete(id);
    }
    return due;
  };

  return {
    note: settle,
    ask(ids) {
      for (const id of ids) followed.add(id);
    },
    has: (id) => followed.has(id),
    async read(creds, list, call) {
      const found: Job[] = [];
      const due = dueOf(list, found);
      let stopped = false;
      const readOne = async (id: string): Promise<void> => {
        try {
          const job = await client.getJob(creds, id, call);
          followed.delete(id);
          settle(job);
          found.push(job);
        } catch (error) {
          const failure = failureOf(error, call.signal);
          // After a transient failure too, the others wait for the next poll rather than add to the load.
          stopped ||= failure !== 'forget';
          if (failure === 'fail') throw error;
          followed.delete(id);
          if (failure === 'retry') followed.add(id);
          else if (!isUpstreamError(error))
            logger.warn(
              { err: error, jobId: id },
              'live updates: a job past the list window could not be read; not followed any more',
            );
        }
      };
      const worker = async () => {
        for (let id = due.shift(); id !== undefined && !stopped; id = due.shift()) await readOne(id);
      };
      await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, due.length) }, worker));
      return found;
    },
  };
}
