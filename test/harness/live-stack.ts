/**
 * The live-update specs' common setup, in one call: a stack (simulator and gateway, see stack.ts)
 * whose simulator runs on a manual clock, a dataset seeded for DEMO, graphql-ws clients disposed
 * after each test, and the stack closed after the file. Call at the top level of a spec file.
 */
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Job } from '../../src/upstream/schemas.js';
import type { Credentials } from '../../src/upstream/types.js';
import { LLAMA_INSTRUCT, seedDataset } from './fixtures.js';
import { manualClock, type ManualClock } from './manual-clock.js';
import { DEMO, eventually, startStack, type Stack, type StackOptions } from './stack.js';
import { wsClient } from './ws.js';

export interface LiveFixture {
  /** Set once the file's `beforeAll` has run. */
  readonly stack: Stack;
  /** The simulator's clock: a job stays in a state until the test moves it (`clock.at(job, 0.5)`). */
  readonly clock: ManualClock;
  /** A dataset of DEMO's, for new jobs. */
  readonly datasetId: string;
  /** A graphql-ws client with `creds` (default DEMO), disposed after the test. */
  ws(creds?: Credentials | null): Client;
  /** Creates a job of DEMO's on the seeded dataset. */
  newJob(name?: string): Promise<Job>;
}

export interface LiveFixtureOptions extends Omit<StackOptions, 'sharedSimulator'> {
  /** Simulated length of a job. @default 1_000 */
  jobSeconds?: number;
  /** The hub's running, queued and list poll interval. @default 50 (stack.ts) */
  intervalMs?: number;
  /** Name of the seeded dataset. @default 'qa' */
  datasetName?: string;
  /** Where the simulator's clock starts, in ms since the epoch. @default Date.now() */
  clockStart?: number;
}

export function useLiveStack(options: LiveFixtureOptions = {}): LiveFixture {
  const { jobSeconds = 1_000, intervalMs, datasetName = 'qa', clockStart, ...stackOptions } = options;
  const clock = manualClock(jobSeconds, clockStart);
  const clients: Client[] = [];
  let stack: Stack | undefined;
  let datasetId: string | undefined;

  beforeAll(async () => {
    const intervals =
      intervalMs === undefined ? {} : { runningMs: intervalMs, queuedMs: intervalMs, listMs: intervalMs };
    stack = await startStack({
      ...stackOptions,
      simulator: { jobSeconds, now: clock.now, ...stackOptions.simulator },
      live: { ...stackOptions.live, intervals: { ...intervals, ...stackOptions.live?.intervals } },
    });
    ({ datasetId } = await seedDataset(stack, DEMO, datasetName));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await stack?.close();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useLiveStack: ${what} is set in beforeAll`);
    return value;
  };
  return {
    get stack() {
      return ready(stack, 'the stack');
    },
    clock,
    get datasetId() {
      return ready(datasetId, 'the dataset');
    },
    ws(creds = DEMO) {
      const client = wsClient(ready(stack, 'the stack').server!.url, creds);
      clients.push(client);
      return client;
    },
    newJob(name = 'live') {
      return ready(stack, 'the stack').client.createJob(DEMO, {
        name,
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: ready(datasetId, 'the dataset'), answerColumn: 'answer' },
      });
    },
  };
}

/**
 * Proves that no job poller of `stack` polls any more, by a later event instead of a sleep: a list
 * poller (`jobsUpdated`, same interval, `GET /jobs`) starts now and polls three more times. A job
 * poller still alive would have polled within one interval, so before the list poller's second
 * timed poll: Node fires timers of equal duration in the order they were set. The count is taken at
 * the list poller's first timed poll, when a job poll cancelled on its way has landed.
 */
export async function pollingStopped(stack: Stack, creds: Credentials = DEMO): Promise<void> {
  const jobPolls = () => stack.simulator.stats()['GET /jobs/{id}'] ?? 0;
  const listPolls = () => stack.simulator.stats()['GET /jobs'] ?? 0;
  await eventually(() => (stack.live.pollerCount() === 0 ? true : undefined), 5_000, 'the poller registry to empty');
  const start = listPolls();
  const sentinel = stack.live.watchJobs(creds);
  void sentinel.next().catch(() => {});
  try {
    // The first list read is the sentinel's own access check; the next ones are its poller's.
    await eventually(() => (listPolls() >= start + 3 ? true : undefined), 5_000, "the list poller's first timed poll");
    const before = jobPolls();
    const mark = listPolls();
    await eventually(() => (listPolls() >= mark + 3 ? true : undefined), 5_000, 'three more list polls');
    if (jobPolls() !== before)
      throw new Error(`a job poller polled ${jobPolls() - before} time(s) after its last subscriber left`);
  } finally {
    await sentinel.return?.();
  }
  if (stack.live.pollerCount() !== 0) throw new Error('a job poller came back');
}
