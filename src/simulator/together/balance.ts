/**
 * An account's credit balance, derived like job states: what it started with, less what its jobs
 * were charged by now. A job is charged when it ends (ours, after Together's rule that one pays for
 * the steps trained): in full when completed, for the steps done when cancelled or early stopped,
 * nothing when it failed. Jobs still running hold their estimated price: a new job is refused when
 * its price exceeds what is left after them.
 */
import { jobStateAt } from './job-lifecycle.js';
import type { AccountState, StoredJob } from './store.js';

const micro = (usd: number): number => Math.round(usd * 1_000_000) / 1_000_000;

export function chargeOf(job: StoredJob, now: number): number {
  const state = jobStateAt(job, now);
  if (state.status === 'completed' || state.status === 'cancelled')
    return micro((job.plan.price.total * state.stepsDone) / job.plan.steps);
  return 0;
}

function balanceOf(account: AccountState, now: number): number {
  let balance = account.startingBalance - account.deletedCharges;
  for (const job of account.jobs.values()) balance -= chargeOf(job, now);
  return micro(balance);
}

/** What is left for a new job: the balance less the prices of the jobs not yet ended. */
export function availableBalance(account: AccountState, now: number): number {
  let available = balanceOf(account, now);
  for (const job of account.jobs.values()) {
    const status = jobStateAt(job, now).status;
    if (status !== 'completed' && status !== 'cancelled' && status !== 'error') available -= job.plan.price.total;
  }
  return micro(available);
}
