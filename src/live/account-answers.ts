/**
 * What the upstream answers for an account, told to that account's job pollers on this instance: a
 * poller waiting out a backoff polls at once when the upstream answers for its account elsewhere
 * (another poll, a subscriber's access check), and a healthy one when the answer shows its job in a
 * later status than it last delivered. Without it, the list poll (`jobsUpdated`, webhooks) saw a job
 * complete after an outage up to `maxBackoffMs` before its own poller did. Whether a poller acts is
 * its transition's decision (poller-transition.ts, `answered`); this file only finds whom to tell,
 * so that an answer costs a lookup per job it shows and a call per poller in backoff, not one per
 * poller. The design, and what it costs, is in README.md ("After an outage").
 *
 * With Redis, the list poll may run on another instance than a job's lease holder: while it has job
 * pollers of an account, an instance listens on that account's list channel too (one SUBSCRIBE per
 * account, shared with a list poller of its own), and the changes published there are answers.
 */
import type { Job } from '../upstream/schemas.js';
import type { LiveUpdatesLogger } from './options.js';
import type { PollStrategy } from './shared-poller.js';
import type { JobSnapshot } from './snapshot.js';
import type { Topic, Transport } from './transport.js';

type JobTopic = Extract<Topic, { kind: 'job' }>;

/** What this file needs of a job's poller and strategy. */
export interface AnsweredPoller {
  /** SharedPoller.answered: `ahead` when the answer shows the job past what the poller last delivered. */
  answered(ahead: boolean): void;
  /** JobStrategy.behind: whether `job` is in a later status than the last snapshot delivered. */
  behind(job: Job): boolean;
}

export interface AccountAnswers {
  /** The job's poller on this instance, told of its account's answers until `forget`. */
  track(topic: JobTopic, poller: AnsweredPoller): void;
  /** The job's poller is gone (disposed). */
  forget(topic: JobTopic): void;
  /** Whether the job's poller is backing off (told by the poller: SharedPollerOptions.onFailing). */
  failing(topic: JobTopic, failing: boolean): void;
  /** The upstream answered for `organizationId`, showing `jobs` (none: it answered, nothing more to say). */
  answered(organizationId: string, jobs: readonly Job[]): void;
}

interface Account {
  pollers: Map<string, AnsweredPoller>;
  /** The jobs whose pollers back off: each is told of every answer. */
  failing: Set<string>;
  /** Stops listening on the account's list channel; undefined until listening started (or when it failed). */
  stop: (() => void) | undefined;
}

export function accountAnswers(transport: Transport, logger: LiveUpdatesLogger): AccountAnswers {
  const accounts = new Map<string, Account>();

  const answered = (organizationId: string, jobs: readonly Job[]) => {
    const account = accounts.get(organizationId);
    if (!account) return;
    const told = new Set<string>();
    for (const job of jobs) {
      const poller = account.pollers.get(job.id);
      if (poller === undefined || told.has(job.id) || !poller.behind(job)) continue;
      told.add(job.id);
      poller.answered(true);
    }
    for (const jobId of [...account.failing]) if (!told.has(jobId)) account.pollers.get(jobId)?.answered(false);
  };

  const listen = (organizationId: string, account: Account) => {
    const listTopic: Topic = { kind: 'jobs', organizationId };
    transport
      .listen(listTopic, (snapshots) => answered(organizationId, jobsOf(snapshots)))
      .then(
        (stop) => {
          if (accounts.get(organizationId) === account) account.stop = stop;
          else stop();
        },
        (error: unknown) => {
          // Only a help: the job pollers still poll at their own pace. Tried again once the account's
          // pollers have all gone and another starts.
          logger.warn({ err: error }, "live updates: could not listen for the account's list changes");
        },
      );
  };

  return {
    track(topic, poller) {
      let account = accounts.get(topic.organizationId);
      if (!account) {
        account = { pollers: new Map(), failing: new Set(), stop: undefined };
        accounts.set(topic.organizationId, account);
        listen(topic.organizationId, account);
      }
      account.pollers.set(topic.jobId, poller);
    },
    forget(topic) {
      const account = accounts.get(topic.organizationId);
      if (!account?.pollers.delete(topic.jobId)) return;
      account.failing.delete(topic.jobId);
      if (account.pollers.size > 0) return;
      accounts.delete(topic.organizationId);
      account.stop?.();
    },
    failing(topic, failing) {
      const account = accounts.get(topic.organizationId);
      if (!account?.pollers.has(topic.jobId)) return;
      if (failing) account.failing.add(topic.jobId);
      else account.failing.delete(topic.jobId);
    },
    answered,
  };
}

/**
 * `strategy` whose successful reads are reported (`report`) as the upstream's answers for its
 * account: a poll, with the jobs it returned (a list poll's changes, or all of it when fresh), and a
 * standby's token re-check, with none. A failed read reports nothing.
 */
export function reportingAnswers<S extends PollStrategy>(strategy: S, report: (jobs: readonly Job[]) => void): S {
  const fetch: PollStrategy['fetch'] = async (creds, signal, fresh) => {
    const snapshots = await strategy.fetch(creds, signal, fresh);
    report(jobsOf(snapshots));
    return snapshots;
  };
  const verify: PollStrategy['verify'] = async (creds, signal) => {
    await strategy.verify(creds, signal);
    report([]);
  };
  return Object.assign(Object.create(strategy) as S, { fetch, verify });
}

const jobsOf = (snapshots: readonly JobSnapshot[]): Job[] => snapshots.map((snapshot) => snapshot.job);
