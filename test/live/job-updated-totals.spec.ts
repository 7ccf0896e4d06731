/**
 * What broke (trial 2, finding 1): `jobUpdated` sent null metric totals (`trainingSteps`,
 * `trainingTokens`, `validationSteps`) for a job QUEUED or STARTING, where `createJob` and `job(id)`
 * gave the real values (Nscale: all three; Together: the tokens and evaluations, the steps once
 * training starts). A normalized client cache (the README has clients select `metrics { id … }`) then
 * overwrote good values with null as soon as the page subscribed. Now an event carries the totals a
 * `job(id)` query gives at that moment, on both providers.
 *
 * What it costs: on Together the totals are on the job the poll read, so no call more; on Nscale they
 * come with the job's metrics only, which its poller reads once training started: a subscription that
 * selects a total before then reads them once (`GET /jobs/{id}/metrics`), not once per event, and one
 * that selects none reads nothing more.
 *
 * The hubs run on a clock of their own that the spec never moves: each poller polls once as it starts
 * (with the job its subscriber's access check read) and then only when the spec advances that clock,
 * so every upstream call of a subscription is counted exactly (by its request id, which its poller's
 * calls carry too).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { firstEvent, subscribeSse, type SseEvents } from '../harness/sse.js';
import { DEMO, headersFor } from '../harness/stack.js';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { createTogetherJob, gatewayGql } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const POLL_MS = 50;
/** The hubs' clock: their timers fire only when the spec advances it. */
const hubClock = manualClock(JOB_SECONDS);
const tg = useTogetherClockStack({
  token: 'tg-event-totals',
  jobSeconds: JOB_SECONDS,
  nscaleOnClock: true,
  live: { clock: hubClock },
});

type Provider = 'nscale' | 'together';
const TOTALS = 'metrics { id trainingSteps trainingTokens validationSteps }';

/** A caller's headers on `provider`: DEMO on Nscale, the spec's tenant on Together. */
const headersOn = (provider: Provider): Record<string, string> =>
  provider === 'nscale' ? headersFor(DEMO) : tg.headers;

let datasetId: string | undefined;

/** A new job of the caller on `provider`, created at the clock's time (queued until the clock moves 10 % of a run). */
async function newJob(provider: Provider, name: string): Promise<{ id: string; createdAt: Date }> {
  if (provider === 'together') return createTogetherJob(tg.stack.gateway, tg.headers, name);
  datasetId ??= (await seedDataset(tg.stack, DEMO, 'event-totals')).datasetId;
  return tg.stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });
}

/** `job(id)` with `fields`, as the caller on `provider`. */
async function queried(provider: Provider, id: string, fields: string) {
  const answer = await gatewayGql(
    tg.stack.gateway,
    `query($id: ID!) { job(id: $id) { ${fields} } }`,
    { id },
    headersOn(provider),
  );
  expect(answer.errors).toBeUndefined();
  return answer.data?.job as Record<string, any>;
}

interface Watched {
  events: SseEvents;
  /** The upstream calls the subscription made so far, by route (its access check and its poller's polls). */
  calls(): Record<string, number>;
}

/** `jobUpdated(id)` selecting `fields`, over SSE, as the caller on `provider`, its calls counted by its request id. */
function watched(provider: Provider, id: string, fields: string): Watched {
  const requestId = `event-totals-${randomUUID()}`;
  const extra = { 'x-request-id': requestId, ...(provider === 'together' ? { 'x-provider': 'together' } : {}) };
  const fetchIn = (url: string, init: RequestInit) =>
    Promise.resolve(tg.stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), ...extra } }));
  const creds = provider === 'nscale' ? DEMO : tg.key;
  const events = subscribeSse(
    fetchIn,
    'http://localhost',
    `subscription($id: ID!) { jobUpdated(id: $id) { ${fields} } }`,
    { id },
    creds,
  );
  const upstream = provider === 'nscale' ? tg.stack.simulator : tg.stack.togetherSimulator!;
  return {
    events,
    calls() {
      const calls: Record<string, number> = {};
      for (const { route, requestId: of } of upstream.recentRequests())
        if (of === requestId) calls[route] = (calls[route] ?? 0) + 1;
      return calls;
    },
  };
}

const eventIn = (watch: Watched, status: string) =>
  firstEvent(watch.events, 'jobUpdated', (job) => job.status === status, `a ${status} event`);

describe.each<Provider>(['nscale', 'together'])('jobUpdated of a job not yet training, on %s', (provider) => {
  it('sends the metric totals job(id) gives, at the cost of a subscription that selects no metrics', async () => {
    const job = await newJob(provider, `totals-${provider}`);
    const bare = await newJob(provider, `bare-${provider}`);
    // Both QUEUED: 5 % of a run past the first's creation, and no more past the second's.
    tg.clock.at(job, 0.05);
    const query = await queried(provider, job.id, `status ${TOTALS}`);
    expect(query.status).toBe('QUEUED');
    expect(query.metrics.id).toBe(`${job.id}:metrics`);
    expect(query.metrics.trainingTokens).toBeGreaterThan(0);
    expect(query.metrics.validationSteps).toBe(0);
    // Nscale knows the steps from the creation; Together once training starts (its events' `total_steps`).
    if (provider === 'nscale') expect(query.metrics.trainingSteps).toBeGreaterThan(0);
    else expect(query.metrics.trainingSteps).toBeNull();

    const withTotals = watched(provider, job.id, `status ${TOTALS}`);
    const withoutMetrics = watched(provider, bare.id, 'status');
    try {
      expect(await eventIn(withTotals, 'QUEUED')).toEqual(query);
      await eventIn(withoutMetrics, 'QUEUED');
      // The access check's read of the job, which the poller's first poll takes instead of its own.
      expect(withoutMetrics.calls()).toEqual({
        [provider === 'nscale' ? 'GET /jobs/{id}' : 'GET /fine-tunes/{id}']: 1,
      });
      // The totals are on the job on Together; on Nscale, in the job's metrics, read once.
      const read = provider === 'nscale' ? { 'GET /jobs/{id}/metrics': 1 } : {};
      expect(withTotals.calls()).toEqual({ ...withoutMetrics.calls(), ...read });
    } finally {
      withTotals.events.abort();
      withoutMetrics.events.abort();
    }
  });
});

describe('jobUpdated of an Nscale job moving from QUEUED to STARTING', () => {
  it('sends the same totals in each event, read once for the subscription', async () => {
    const job = await newJob('nscale', 'totals-starting');
    tg.clock.at(job, 0.05);
    const query = await queried('nscale', job.id, TOTALS);
    const watch = watched('nscale', job.id, `status ${TOTALS}`);
    try {
      expect(await eventIn(watch, 'QUEUED')).toEqual({ status: 'QUEUED', ...query });
      tg.clock.at(job, 0.15);
      hubClock.advance(POLL_MS);
      expect(await eventIn(watch, 'STARTING')).toEqual({ status: 'STARTING', ...query });
      // The access check and one poll read the job; the totals were read for the first event only.
      expect(watch.calls()).toEqual({ 'GET /jobs/{id}': 2, 'GET /jobs/{id}/metrics': 1 });
    } finally {
      watch.events.abort();
    }
  });
});
