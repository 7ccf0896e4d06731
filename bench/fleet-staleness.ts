/**
 * What the fleet saw of the jobs' changes. For each status change the upstream made inside the
 * measured window, and each client of that job's organization: how long from the change (the wall
 * time its tick was applied) until that client first had an answer showing the new status, or a
 * later one. For each status read: how old it was (how long before the request was sent the job had
 * already left the status shown), and whether it was older than the limit (one poll interval plus
 * one time-to-live). A status shown before the upstream had it is a failure, not a figure.
 */
import type { FleetClient, Reads } from './fleet-clients.js';
import type { FleetJob } from './fleet-upstream.js';

export interface StalenessInput {
  jobs: readonly FleetJob[];
  /** Wall ms at which each tick was applied; a tick never applied has no entry. */
  appliedAt: readonly number[];
  reads: Reads;
  clients: readonly FleetClient[];
  /** Changes applied in [windowFrom, windowTo) are counted; reads sent from windowFrom on. */
  windowFrom: number;
  windowTo: number;
  /** A read is stale past this age: one poll interval plus one time-to-live. */
  limitMs: number;
  /** Clock skew allowed between the upstream's stamps and the load generator's. @default 5 */
  toleranceMs?: number;
}

export interface Staleness {
  /** Status changes applied inside the window. */
  changes: number;
  /** (change, client of its organization) pairs. */
  pairs: number;
  /** Per pair read: ms from the change to the client's first answer showing it. */
  delays: number[];
  /** Pairs whose client never had an answer showing the change before the run ended. */
  neverRead: number;
  /** Status reads sent inside the window or after it. */
  reads: number;
  /** Those sent more than limitMs after the job had left the status they showed. */
  staleReads: number;
  /** The oldest read: the most ms between a job leaving a status and a request that still got it. */
  oldestReadMs: number;
  /** Statuses shown before the upstream had them (a broken harness or a broken server). */
  futureReads: number;
  firstFuture?: string;
}

export function measureStaleness(input: StalenessInput): Staleness {
  const { jobs, appliedAt, reads, windowFrom, windowTo, limitMs } = input;
  const tolerance = input.toleranceMs ?? 5;
  /** When job j entered state s (s ≥ 1), or Infinity if that tick was never applied. */
  const enteredAt = (j: number, s: number) => appliedAt[jobs[j]!.changeTicks[s - 1]!] ?? Infinity;

  // Each client's reads of each job, in the order they were answered.
  const byPair = new Map<number, number[]>();
  for (let r = 0; r < reads.job.length; r += 1) {
    const key = reads.client[r]! * jobs.length + reads.job[r]!;
    const list = byPair.get(key);
    if (list) list.push(r);
    else byPair.set(key, [r]);
  }
  for (const list of byPair.values()) list.sort((a, b) => reads.receivedAt[a]! - reads.receivedAt[b]!);

  const out: Staleness = {
    ...{ changes: 0, pairs: 0, delays: [], neverRead: 0 },
    ...{ reads: 0, staleReads: 0, oldestReadMs: 0, futureReads: 0 },
  };
  jobs.forEach((job, j) => {
    const watchers = input.clients.filter((c) => c.tenant.organizationId === job.organizationId);
    for (let s = 1; s < job.states.length; s += 1) {
      const at = enteredAt(j, s);
      if (!(at >= windowFrom && at < windowTo)) continue;
      out.changes += 1;
      for (const client of watchers) {
        out.pairs += 1;
        const first = (byPair.get(client.index * jobs.length + j) ?? []).find((r) => reads.state[r]! >= s);
        if (first === undefined) out.neverRead += 1;
        else out.delays.push(reads.receivedAt[first]! - at);
      }
    }
  });

  for (let r = 0; r < reads.job.length; r += 1) {
    const [j, s, sentAt] = [reads.job[r]!, reads.state[r]!, reads.sentAt[r]!];
    if (s > 0 && reads.receivedAt[r]! + tolerance < enteredAt(j, s)) {
      out.futureReads += 1;
      out.firstFuture ??= `client ${reads.client[r]} read ${jobs[j]!.name} as ${jobs[j]!.states[s]} ${Math.round(enteredAt(j, s) - reads.receivedAt[r]!)} ms before the upstream had it`;
    }
    if (sentAt < windowFrom) continue;
    out.reads += 1;
    if (s + 1 >= jobs[j]!.states.length) continue;
    const age = sentAt - enteredAt(j, s + 1);
    if (age > out.oldestReadMs) out.oldestReadMs = age;
    if (age > limitMs) out.staleReads += 1;
  }
  return out;
}
