/**
 * How snapshots wait for a slow `jobsUpdated` reader. A list poll hands a subscriber many snapshots
 * in one synchronous loop (all current jobs when it joins, or when another instance takes over),
 * before the reader can take any, so a sliding buffer would drop whole jobs, not just old states.
 * This queue keeps one entry per job (a newer state of a job still waiting replaces it in place) and
 * feeds an unbuffered Repeater one snapshot at a time, waiting until each is taken. Its size is
 * bounded by the number of jobs watched.
 *
 * (A Repeater buffer cannot do this: it receives promises of values, not the values.)
 */
import type { JobSnapshot } from './snapshot.js';

export function latestPerJobQueue(push: (snapshot: JobSnapshot) => Promise<unknown>): (snapshot: JobSnapshot) => void {
  const waiting = new Map<string, JobSnapshot>();
  let feeding = false;

  const feed = async () => {
    feeding = true;
    try {
      for (let next = first(waiting); next !== undefined; next = first(waiting)) {
        waiting.delete(next.job.id);
        // Resolves once the reader took it, or at once when the stream has ended.
        await push(next);
      }
    } catch {
      // A push rejects only when the stream failed: nothing more to deliver.
      waiting.clear();
    } finally {
      feeding = false;
    }
  };

  return (snapshot) => {
    // Map.set on a present key keeps its place: a job's turn does not move back when it changes.
    waiting.set(snapshot.job.id, snapshot);
    if (!feeding) void feed();
  };
}

function first(map: Map<string, JobSnapshot>): JobSnapshot | undefined {
  return map.values().next().value;
}
