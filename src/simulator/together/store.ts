/**
 * The Together simulator's state, one partition per account. A bearer token belongs to an account
 * (several tokens may share one); every lookup goes through the caller's account, so another
 * account's file or job is simply not found, never leaked.
 */
import type { FileCheck, FilePurpose, FileType } from './file-checks.js';
import type { JobPlan } from './job-plan.js';
import type { JobSettings } from './job-settings.js';

export interface StoredFile {
  id: string;
  filename: string;
  purpose: FilePurpose;
  fileType: FileType;
  createdAt: number;
  /** The bytes, once uploaded; null while the SDK's PUT has not arrived. */
  content: Buffer | null;
  check: FileCheck | null;
}

interface JobFailure {
  afterMs: number;
  message: string;
}

export interface StoredJob {
  id: string;
  /** Creation order, to sort jobs created within the same clock tick. */
  seq: number;
  userId: string;
  settings: JobSettings;
  plan: JobPlan;
  createdAt: number;
  /** Creation to completion, fixed at creation so a later option change does not move running jobs. */
  durationMs: number;
  failure: JobFailure | null;
  cancelRequestedAt: number | null;
}

export interface AccountState {
  id: string;
  userId: string;
  files: Map<string, StoredFile>;
  jobs: Map<string, StoredJob>;
  /** USD the account started with; what is left is derived from its jobs' charges (`balance.ts`). */
  startingBalance: number;
  /** USD charged to jobs since deleted: a deleted job's charge stays paid. */
  deletedCharges: number;
}

export interface TogetherStore {
  account(id: string): AccountState;
  nextSeq(): number;
}

export function createTogetherStore(startingBalance: (accountId: string) => number): TogetherStore {
  const accounts = new Map<string, AccountState>();
  let seq = 0;
  return {
    account(id) {
      let state = accounts.get(id);
      if (state === undefined) {
        state = {
          id,
          userId: `user_${id}`,
          files: new Map(),
          jobs: new Map(),
          startingBalance: startingBalance(id),
          deletedCharges: 0,
        };
        accounts.set(id, state);
      }
      return state;
    },
    nextSeq: () => ++seq,
  };
}
