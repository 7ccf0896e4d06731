/**
 * The Repeater buffer of a `jobsUpdated` stream. A list poll hands a subscriber many snapshots in
 * one synchronous loop (all current jobs when it joins, or when a new instance takes over), before
 * the reader can take any, so a sliding buffer would drop jobs, not just old states. This one keeps
 * one entry per job: a newer state of a job still waiting replaces it in place. Its size is bounded
 * by the number of jobs watched, so it never reports full.
 */
import type { RepeaterBuffer } from 'graphql-yoga';
import type { JobSnapshot } from './snapshot.js';

export class LatestPerJobBuffer implements RepeaterBuffer<JobSnapshot> {
  readonly #waiting = new Map<string, JobSnapshot>();

  get empty(): boolean {
    return this.#waiting.size === 0;
  }

  get full(): boolean {
    return false;
  }

  add(snapshot: JobSnapshot): void {
    // Map.set on a present key keeps its place: a job's turn does not move back when it changes.
    this.#waiting.set(snapshot.job.id, snapshot);
  }

  remove(): JobSnapshot {
    const first = this.#waiting.entries().next();
    if (first.done) throw new Error('Buffer empty');
    this.#waiting.delete(first.value[0]);
    return first.value[1];
  }
}
