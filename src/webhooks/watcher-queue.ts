/**
 * The moves a webhook watch saw, kept in memory, in order, until the store has recorded them. The
 * watch hands each snapshot here at once and goes on reading its stream: it never waits for the
 * database. Before, it recorded each snapshot before reading the next, so a database that was slow
 * or away merged moves twice over: the live engine keeps only a job's latest state for a reader
 * that has not taken the last one (live/latest-per-job-queue.ts), and the watch ended at the first
 * failed recording; the watch opened once the database was back compared the job's current status
 * with the stored one, and sent a move nobody saw (STARTING to COMPLETED) instead of the moves
 * seen (to RUNNING, then to COMPLETED).
 *
 * One queue per endpoint, recording one move at a time, each job's moves in the order seen. A
 * recording that fails (the database out of reach, or any other error) keeps its move and stops;
 * the queue tries again `retryMs` later, and the moves seen meanwhile wait behind it. So once the
 * database is back, every move seen during the outage is recorded, and sent, in order.
 *
 * Bounded, because an outage may last: a job whose status did not change since the move before it
 * adds nothing (the store would record nothing for it), a job keeps `movesPerJob` moves at most,
 * and, while recordings fail, `jobs` jobs at most have moves waiting (a watch's listing, the list's
 * window and the jobs it follows, always fits, so a watch reopened after a gap is not refused
 * again). Past a job's bound, its oldest waiting move is dropped, and the move after it is recorded
 * after a gap (`SeenJob.afterGap`: `previousStatus` null, as for a move not seen), never as a move
 * from the status before the dropped one. Past the bound of jobs, the new job's move is not kept;
 * once the queue has drained, `onGap` is told, and the watcher reopens the endpoint's watch,
 * recording the first sight of each job after a gap: a job whose status differs from the one stored
 * moved from a status that was not kept. Both are logged at warn.
 */
import type { Logger } from 'pino';
import type { JobShape } from '../providers/job-shape.js';
import type { OutageLog } from '../telemetry/outage-log.js';
import type { EndpointSecrets, StoredDelivery, StoredEndpoint } from './webhook-store.js';

export type WatchedEndpoint = StoredEndpoint & EndpointSecrets;

/** A snapshot of a job, as a watch saw it. */
export interface SeenMove {
  endpoint: WatchedEndpoint;
  job: JobShape;
  seenAt: Date;
  /** Recorded after a gap: the moves between the stored status and this one were not kept. */
  afterGap: boolean;
}

export interface MoveQueueOptions {
  /** Records one move (the watcher's `recordSeen`); its deliveries inserted. */
  record(move: SeenMove): Promise<StoredDelivery[]>;
  /** How long after a failed recording the queue tries again. */
  retryMs: number;
  /** Moves of one job kept at most. */
  movesPerJob: number;
  /** Jobs with moves kept at most. */
  jobs: number;
  logger: Logger;
  /** Told of each failed recording and of the first that works again (one log per outage, the watcher's). */
  outage: OutageLog;
  /** Told when a recording inserted deliveries. */
  onDeliveries?: () => void;
  /** Told once the queue has drained after a move not kept past the bound of jobs. */
  onGap(): void;
}

/** Not yet recorded, and waiting to be. */
interface Waiting {
  /** Each job's moves, oldest first; the jobs in the order they first had moves waiting. */
  jobs: Map<string, SeenMove[]>;
  count: number;
  /** The move being recorded: it stays at its job's head until recorded. */
  recording: SeenMove | null;
  /** Moves dropped past the bounds since the queue last drained (logged at the first of each). */
  dropped: { inJob: number; jobs: number };
}

/** One endpoint's moves waiting to be recorded. */
export class MoveQueue {
  readonly #endpointId: string;
  readonly #options: MoveQueueOptions;
  readonly #movesPerJob: number;
  readonly #waiting: Waiting = { jobs: new Map(), count: 0, recording: null, dropped: { inJob: 0, jobs: 0 } };
  #draining: Promise<void> | null = null;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(endpointId: string, options: MoveQueueOptions) {
    this.#endpointId = endpointId;
    this.#options = options;
    // Two at least: the move being recorded stays while a later one is dropped.
    this.#movesPerJob = Math.max(2, options.movesPerJob);
  }

  /** Moves waiting. */
  size(): number {
    return this.#waiting.count;
  }

  push(move: SeenMove): void {
    if (this.#closed) return;
    const waiting = this.#waiting;
    const list = waiting.jobs.get(move.job.id);
    // The same status as the move before it: the store would record nothing.
    if (list?.at(-1)?.job.status === move.job.status) return;
    // Bounded while recordings fail: a healthy database takes a reopened watch's whole listing.
    if (!list && this.#retry !== undefined && waiting.jobs.size >= this.#options.jobs) return this.#dropJob(move);
    if (list) list.push(move);
    else waiting.jobs.set(move.job.id, [move]);
    waiting.count += 1;
    if (list && list.length > this.#movesPerJob) this.#dropWithin(list);
    if (this.#retry === undefined) this.#drain();
  }

  /** Stops recording (the one under way ends); returns how many moves were left unrecorded. */
  async close(): Promise<number> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#draining;
    return this.#waiting.count;
  }

  #dropJob(move: SeenMove): void {
    if (this.#waiting.dropped.jobs++ > 0) return;
    this.#options.logger.warn(
      { endpointId: this.#endpointId, jobId: move.job.id, jobs: this.#options.jobs },
      'webhook moves not kept: too many jobs have moves waiting for the database; once they are recorded, ' +
        "the endpoint's watch is reopened and a job found moved is sent after a gap (previousStatus null)",
    );
  }

  #dropWithin(list: SeenMove[]): void {
    const waiting = this.#waiting;
    // The move being recorded stays: its outcome is not known yet.
    const at = list[0] === waiting.recording ? 1 : 0;
    const [gone] = list.splice(at, 1);
    waiting.count -= 1;
    list[at]!.afterGap = true;
    if (waiting.dropped.inJob++ > 0) return;
    this.#options.logger.warn(
      { endpointId: this.#endpointId, jobId: gone!.job.id, status: gone!.job.status, movesPerJob: this.#movesPerJob },
      'webhook moves not kept: a job has more moves waiting for the database than are kept; ' +
        'the next is sent after a gap (previousStatus null)',
    );
  }

  async #recordAll(): Promise<void> {
    const waiting = this.#waiting;
    for (let next = waiting.jobs.entries().next().value; next !== undefined && !this.#closed;) {
      const [jobId, list] = next;
      waiting.recording = list[0]!;
      const inserted = await this.#options.record(waiting.recording);
      waiting.recording = null;
      list.shift();
      waiting.count -= 1;
      if (list.length === 0) waiting.jobs.delete(jobId);
      if (inserted.length > 0) this.#options.onDeliveries?.();
      next = waiting.jobs.entries().next().value;
    }
  }

  #drained(): void {
    const { dropped } = this.#waiting;
    this.#options.outage.succeeded();
    if (dropped.inJob + dropped.jobs === 0) return;
    this.#options.logger.info(
      { endpointId: this.#endpointId, ...dropped },
      'webhook moves kept through a database outage recorded; some were not kept',
    );
    const gap = dropped.jobs > 0;
    dropped.inJob = 0;
    dropped.jobs = 0;
    if (gap) this.#options.onGap();
  }

  #drain(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = this.#recordAll().then(
      () => {
        this.#draining = null;
        if (this.#closed) return;
        // A move pushed as the last recording ended found the drain still under way.
        if (this.#waiting.count > 0) this.#drain();
        else this.#drained();
      },
      (error: unknown) => {
        this.#waiting.recording = null;
        this.#draining = null;
        if (this.#closed) return;
        this.#options.outage.failed(error);
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.#drain();
        }, this.#options.retryMs);
        this.#retry.unref();
      },
    );
  }
}
