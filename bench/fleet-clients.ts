/**
 * The fleet: N dashboards, each with one token (client i holds token i mod K) and one job open (of
 * its organization's, spread evenly), polling every --poll-ms from a random phase: each poll sends
 * the jobs list and the open job's detail together (two POST /graphql, as two browser requests), and
 * the next poll is due one interval after the last was due (at once if the answers came late).
 *
 * Every answer is checked (fleet-check.ts) and every status in it recorded with when the request
 * was sent and answered; so is each request's latency, and what the answer's headers said about
 * caching (`Age`, `Cache-Control`). One undici Pool of keep-alive connections, one per client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { checkDetail, checkList, type Checked, type Expectation } from './fleet-check.js';
import { DETAIL_QUERY, LIST_QUERY } from './fleet-page.js';
import type { Tenant } from './fleet-upstream.js';
import { wallNow } from './wall-clock.js';

export interface FleetClient {
  index: number;
  tenant: Tenant;
  /** Index (in the schedule) of the job whose page it has open. */
  watched: number;
}

/** Column-wise: one entry per status read. */
export interface Reads {
  client: number[];
  job: number[];
  state: number[];
  sentAt: number[];
  receivedAt: number[];
}

export interface FleetRecord {
  reads: Reads;
  /** Per request answered (whatever the answer): when sent and answered, wall ms. */
  requests: { sentAt: number[]; receivedAt: number[] };
  sent: number;
  checked: number;
  failures: number;
  firstFailure?: string;
  /** Answers that carried an `Age` header, and the `Cache-Control` values seen, with their counts. */
  withAge: number;
  cacheControl: Record<string, number>;
}

export interface FleetPlan {
  url: string;
  clients: readonly FleetClient[];
  expect: Expectation;
  pollMs: number;
  /** Wall ms: the first polls fall in [startAt, startAt + pollMs); no poll is due at or after endAt. */
  startAt: number;
  endAt: number;
}

/** Client i: token i mod K, and the (⌊i / K⌋ + k)-th job of its organization. */
export function planClients(count: number, tenants: readonly Tenant[], expect: Expectation): FleetClient[] {
  return Array.from({ length: count }, (_, index) => {
    const k = index % tenants.length;
    const tenant = tenants[k]!;
    const own = expect.byOrganization.get(tenant.organizationId) ?? [];
    return { index, tenant, watched: own[(Math.floor(index / tenants.length) + k) % own.length]! };
  });
}

export function requestBody(operation: 'list' | 'detail', jobId: string): string {
  return operation === 'list'
    ? JSON.stringify({ query: LIST_QUERY, operationName: 'JobsList' })
    : JSON.stringify({ query: DETAIL_QUERY, operationName: 'JobDetail', variables: { id: jobId } });
}

export function headersOf(tenant: Tenant): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${tenant.token}`,
    'x-organization-id': tenant.organizationId,
  };
}

function emptyRecord(): FleetRecord {
  return {
    reads: { client: [], job: [], state: [], sentAt: [], receivedAt: [] },
    requests: { sentAt: [], receivedAt: [] },
    sent: 0,
    checked: 0,
    failures: 0,
    withAge: 0,
    cacheControl: {},
  };
}

async function ask(
  pool: Pool,
  plan: FleetPlan,
  client: FleetClient,
  operation: 'list' | 'detail',
  record: FleetRecord,
) {
  const { expect } = plan;
  record.sent += 1;
  const sentAt = wallNow();
  let checked: Checked;
  try {
    const answer = await pool.request({
      method: 'POST',
      path: '/graphql',
      headers: headersOf(client.tenant),
      body: requestBody(operation, expect.jobs[client.watched]!.id),
    });
    const body = await answer.body.text();
    const receivedAt = wallNow();
    record.requests.sentAt.push(sentAt);
    record.requests.receivedAt.push(receivedAt);
    if (answer.headers['age'] !== undefined) record.withAge += 1;
    const control = String(answer.headers['cache-control'] ?? '(none)');
    record.cacheControl[control] = (record.cacheControl[control] ?? 0) + 1;
    record.checked += 1;
    checked =
      answer.statusCode !== 200
        ? { problem: `status ${answer.statusCode}: ${body.slice(0, 200)}` }
        : operation === 'list'
          ? checkList(body, client.tenant, expect)
          : checkDetail(body, client.tenant, client.watched, expect);
    if ('reads' in checked) {
      for (const { job, state } of checked.reads) {
        record.reads.client.push(client.index);
        record.reads.job.push(job);
        record.reads.state.push(state);
        record.reads.sentAt.push(sentAt);
        record.reads.receivedAt.push(receivedAt);
      }
    }
  } catch (error) {
    checked = { problem: `request failed: ${String(error)}` };
  }
  if ('problem' in checked) {
    record.failures += 1;
    record.firstFailure ??= `client ${client.index} (${client.tenant.label}), ${operation}: ${checked.problem}`;
  }
}

/** Runs every client until `endAt`, then waits for the answers in flight. */
export async function runFleet(plan: FleetPlan, random: () => number = Math.random): Promise<FleetRecord> {
  const record = emptyRecord();
  const pool = new Pool(plan.url, {
    connections: plan.clients.length,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 120_000,
  });
  const loop = async (client: FleetClient) => {
    const phase = random() * plan.pollMs;
    for (let n = 0; ; n += 1) {
      const due = plan.startAt + phase + n * plan.pollMs;
      if (due >= plan.endAt) return;
      const wait = due - wallNow();
      if (wait > 0) await sleep(wait);
      await Promise.all([ask(pool, plan, client, 'list', record), ask(pool, plan, client, 'detail', record)]);
    }
  };
  try {
    await Promise.all(plan.clients.map(loop));
  } finally {
    await pool.close();
  }
  return record;
}
