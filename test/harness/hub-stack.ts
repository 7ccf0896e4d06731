/**
 * Setup for the hub-level live-update specs (test/subscriptions: hubs without a gateway, see
 * live-stack.ts for whole gateways): a simulator on port 0 driven by a manual clock (a job's state is
 * a function of that clock, so a test moves a job through its phases by setting the time), the real
 * upstream client, hubs with intervals of tens of milliseconds, and helpers that read a stream in
 * the background. Everything is disposed by `close()`.
 */
import { Readable } from 'node:stream';
import { SignJWT } from 'jose';
import { createLiveUpdates, type JobSnapshot, type LiveUpdates, type LiveUpdatesOptions } from '../../src/live/hub.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import type { Job } from '../../src/upstream/schemas.js';
import type { Credentials, UpstreamClient } from '../../src/upstream/types.js';

export const DEMO: Credentials = { token: 'demo-token', organizationId: 'demo-org' };
export const OTHER: Credentials = { token: 'other-token', organizationId: 'other-org' };
export const JWT_SECRET = 'live-updates-test-secret';
/** Simulated job length: queued 0–10 s, starting 10–20 s, running 20–100 s, completed from 100 s. */
export const JOB_SECONDS = 100;
export const FAST = { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 300 } as const;

const CSV = [
  'question,answer',
  ...Array.from({ length: 40 }, (_, i) => `What is question ${i}?,The answer number ${i} is forty two.`),
].join('\n');

export interface LiveStack {
  sim: Simulator;
  client: ClosableUpstreamClient;
  /** The simulator's clock, in ms since the epoch. */
  clock: { now: number };
  /** Creates a job as `creds` (at the current clock); returns it with its creation time. */
  createJob(creds?: Credentials): Promise<Job>;
  /** Sets the clock to `fraction` of `job`'s run (0.05 queued, 0.15 starting, 0.5 running, 1 completed). */
  at(job: Job, fraction: number): void;
  hub(options?: Partial<LiveUpdatesOptions>): LiveUpdates;
  jwt(organizationId: string, expiresAtMs: number): Promise<string>;
  close(): Promise<void>;
}

export async function startLiveStack(simOptions: SimulatorOptions = {}): Promise<LiveStack> {
  const clock = { now: Date.now() };
  const sim = await startSimulator({
    port: 0,
    jobSeconds: JOB_SECONDS,
    jwtSecret: JWT_SECRET,
    now: () => clock.now,
    ...simOptions,
  });
  // One attempt per call: the specs count the hub's polls, not the client's retries.
  // The simulator's first job for a model loads that model's tokenizer (a second or more of CPU, far
  // more on a loaded test machine): a deadline that tight would fail the creation, not test it.
  const client = createUpstreamClient({ baseUrl: sim.apiBaseUrl, deadlineMs: 30_000, retry: { maxAttempts: 1 } });
  const hubs: LiveUpdates[] = [];
  const datasets = new Map<string, string>();

  const datasetFor = async (creds: Credentials) => {
    const known = datasets.get(creds.organizationId);
    if (known) return known;
    const file = await client.uploadFile(creds, {
      filename: 'qa.csv',
      body: Readable.from([CSV]),
      contentType: 'text/csv',
    });
    const dataset = await client.createDataset(creds, { name: 'qa', trainingFileId: file.id });
    datasets.set(creds.organizationId, dataset.id);
    return dataset.id;
  };

  return {
    sim,
    client,
    clock,
    async createJob(creds = DEMO) {
      const datasetId = await datasetFor(creds);
      return client.createJob(creds, {
        name: 'live',
        baseModelId: 'a7b8c9d0-e1f2-3456-abcd-789012345678',
        dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
        hyperparameters: { nEpochs: 1, batchSize: 4 },
      });
    },
    at(job, fraction) {
      clock.now = job.createdAt.getTime() + fraction * JOB_SECONDS * 1000;
    },
    hub(options = {}) {
      const hub = createLiveUpdates({ client, intervals: FAST, ...options });
      hubs.push(hub);
      return hub;
    },
    jwt: (organizationId, expiresAtMs) =>
      new SignJWT({ organization_id: organizationId })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(Math.floor(expiresAtMs / 1000))
        .sign(new TextEncoder().encode(JWT_SECRET)),
    async close() {
      await Promise.all(hubs.map((hub) => hub.close()));
      await client.close();
      await sim.close();
    },
  };
}

/** A stream read in the background: what arrived so far, and how it ended. */
export interface Reader {
  events: JobSnapshot[];
  /** Set once the stream ended: `done` (completed) or `error`. */
  ended: { done: true } | { error: unknown } | undefined;
  iterator: AsyncIterableIterator<JobSnapshot>;
  finished: Promise<void>;
  statuses(): string[];
}

export function read(iterator: AsyncIterableIterator<JobSnapshot>): Reader {
  const reader: Reader = {
    events: [],
    ended: undefined,
    iterator,
    finished: Promise.resolve(),
    statuses: () => reader.events.map((e) => e.job.status),
  };
  reader.finished = (async () => {
    try {
      for await (const event of iterator) reader.events.push(event);
      reader.ended = { done: true };
    } catch (error) {
      reader.ended = { error };
    }
  })();
  return reader;
}

/** Waits until `check()` is true (polling every 10 ms); fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const last = (reader: Reader): JobSnapshot | undefined => reader.events[reader.events.length - 1];

/** The error's `code`, for assertions. */
export const codeOf = (ended: Reader['ended']): unknown =>
  ended && 'error' in ended ? (ended.error as { code?: unknown }).code : undefined;

/** Wraps a client to record, per method, the tokens of the calls the hub made. */
export function spyClient(client: UpstreamClient): {
  client: UpstreamClient;
  calls: Map<string, string[]>;
  reset(): void;
} {
  const calls = new Map<string, string[]>();
  const spied = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (creds: Credentials, ...rest: unknown[]) => {
        calls.set(property, [...(calls.get(property) ?? []), creds.token]);
        return (value as (...args: unknown[]) => unknown).call(target, creds, ...rest);
      };
    },
  });
  return { client: spied, calls, reset: () => calls.clear() };
}
