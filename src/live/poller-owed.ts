/**
 * What a lease holder owes the other instances while Redis cannot be reached (poller-transition.ts,
 * `unpublished`; README.md, Failures): the changes it delivered to its own subscribers only, and the
 * warning said when it has to give them up.
 */
import type { PollerEffect, PollerState } from './poller-state.js';
import type { JobSnapshot } from './snapshot.js';

type Live = Exclude<PollerState, { phase: 'disposed' }>;

/**
 * `snapshots` (oldest first) as owed to the other instances: the latest of each job and status, in
 * the order first seen. Every status a job went through is kept, and where it is now; the bound is
 * the number of statuses per job, however long Redis stays away.
 */
export function owed(snapshots: readonly JobSnapshot[]): JobSnapshot[] {
  const byJobAndStatus = new Map<string, JobSnapshot>();
  for (const snapshot of snapshots)
    byJobAndStatus.set(JSON.stringify([snapshot.job.id, snapshot.job.status]), snapshot);
  return [...byJobAndStatus.values()];
}

/** Says so when owed changes are given up (`why`): they reached this instance's subscribers only. */
export function abandoned(state: Live, why: string): PollerEffect[] {
  const changes = state.unpublished?.length ?? 0;
  if (changes === 0) return [];
  return [
    {
      type: 'log',
      level: 'warn',
      fields: { changes },
      message: `live updates: changes seen while Redis could not be reached were delivered on this instance only (${why})`,
    },
  ];
}
