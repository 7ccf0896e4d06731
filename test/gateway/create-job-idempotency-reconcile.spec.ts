/**
 * `createJob`'s `idempotencyKey` left unsettled, on both providers (the gateway's database: PGlite in
 * memory): a key whose creation lost its answer (`unknown`), or was left under way past its deadline
 * (its instance killed), is settled by the retry from the caller's jobs on the provider. The job
 * there: the retry answers it and creates nothing. None: the retry creates the job, once, even with
 * two retries racing; not while the lost call may still land. The list unreadable: nothing is
 * created. Creations are counted by the simulators' own statistics; a record is aged in the database.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import type { FaultOptions } from '../../src/simulator/faults.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import {
  TOGETHER_CSV,
  TOGETHER_HEADERS,
  TOGETHER_MODEL,
  gatewayGql,
  gatewayUpload,
  uploadedId,
} from '../harness/together-job.js';

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id name } }';
const silent = pino({ level: 'silent' });
const MINUTE = 60_000;

let stack: Stack;
let store: WebhookStore;
let db: Kysely<unknown>;

interface Side {
  provider: 'together' | 'nscale';
  headers: Record<string, string>;
  input(name: string): Record<string, unknown>;
  creations(): number;
  /** Reads of the caller's list of jobs. */
  lists(): number;
  /** The simulator's faults on its creation route (`{}`: none). */
  faultCreations(rule: Omit<FaultOptions, 'route' | 'rules'>): void;
  /** Makes the list of jobs fail (or with false, clears every fault). */
  failLists(on: boolean): void;
}

const data: Record<string, string> = {};
const faults = (route: string, rule: Omit<FaultOptions, 'route' | 'rules'>): FaultOptions =>
  Object.keys(rule).length === 0 ? {} : { rules: [{ route, ...rule }] };

const SIDES: Side[] = [
  {
    provider: 'together',
    headers: TOGETHER_HEADERS,
    input: (name) => ({
      name,
      baseModelId: TOGETHER_MODEL,
      files: { trainingFileId: data.together },
      hyperparameters: { nEpochs: 1, batchSize: 8 },
    }),
    creations: () => stack.togetherCalls()['POST /fine-tunes'] ?? 0,
    lists: () => stack.togetherCalls()['GET /fine-tunes'] ?? 0,
    faultCreations: (rule) => stack.togetherSimulator!.setFaults(faults('POST /fine-tunes', rule)),
    failLists: (on) => stack.togetherSimulator!.setFaults(faults('GET /fine-tunes', on ? { error: { rate: 1 } } : {})),
  },
  {
    provider: 'nscale',
    headers: { ...headersFor(DEMO), 'x-provider': 'nscale' },
    input: (name) => ({
      name,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: data.nscale, promptColumn: 'question', answerColumn: 'answer' },
    }),
    creations: () => stack.calls()['POST /jobs'] ?? 0,
    lists: () => stack.calls()['GET /jobs'] ?? 0,
    faultCreations: (rule) => stack.simulator.setFaults(faults('POST /jobs', rule)),
    failLists: (on) => stack.simulator.setFaults(faults('GET /jobs', on ? { error: { rate: 1 } } : {})),
  },
];

beforeAll(async () => {
  const pglite = await connectPglite('memory://', silent);
  await migrateToLatest(pglite);
  db = pglite as unknown as Kysely<unknown>;
  store = storeOn(pglite, { key: null, logger: silent });
  stack = await startStack({
    webhookStore: store,
    webhookDelivery: false,
    gateway: { responseCache: null },
  });
  const file = new File([TOGETHER_CSV], 'unsettled.csv', { type: 'text/csv' });
  data.together = uploadedId(await gatewayUpload(stack.gateway, file, { headers: TOGETHER_HEADERS }));
  data.nscale = (await seedDataset(stack, DEMO)).datasetId;
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await store?.close();
});
beforeEach(() => {
  stack.simulator.setFaults({});
  stack.togetherSimulator!.setFaults({});
});

const create = (side: Side, input: Record<string, unknown>): Promise<GraphQLResponse> =>
  gatewayGql(stack.gateway, CREATE, { i: input }, side.headers);

const jobOf = (answer: GraphQLResponse) => {
  expect(answer.errors).toBeUndefined();
  return answer.data!.createJob as { id: string; name: string };
};

const outcomeUnknown = (answer: GraphQLResponse) => {
  expect(answer.data).toBeNull();
  expect(answer.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_OUTCOME_UNKNOWN', field: 'idempotencyKey' });
  return answer.errors![0]!.message;
};

/** Sends `input` once with the creation's answer lost: before the provider made the job, or after. */
async function lose(side: Side, input: Record<string, unknown>, after: boolean): Promise<void> {
  side.faultCreations({ error: { count: 1, status: 500, after } });
  const answer = await create(side, input);
  expect(answer.errors![0]!.extensions!.code).toBe('UPSTREAM_OUTCOME_UNKNOWN');
  side.faultCreations({});
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
}

/** Ages the key's record: claimed (and its call ended) `ms` ago, left `state`. */
async function age(key: string, state: 'creating' | 'unknown', ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await sql`update creation_keys set state = ${state}, created_at = ${then}, updated_at = ${then}
    where idempotency_key = ${key}`.execute(db);
}

describe.each(SIDES)('an unsettled idempotencyKey on $provider', (side) => {
  it('creates the job once when a stale creation made none, and answers it to later retries', async () => {
    const key = `stale-${randomUUID()}`;
    const input = { ...side.input('stale-none'), idempotencyKey: key };
    await lose(side, input, false);
    await age(key, 'creating', 10 * MINUTE); // its instance killed mid-creation
    const created = jobOf(await create(side, input));
    expect(created.name).toContain('stale-none');
    expect(side.creations()).toBe(1);
    expect(jobOf(await create(side, input)).id).toBe(created.id);
    expect(side.creations()).toBe(1);
  });

  it('answers the job the lost answer made, creating nothing', async () => {
    const key = `made-${randomUUID()}`;
    const input = { ...side.input('lost-made'), idempotencyKey: key };
    await lose(side, input, true);
    const found = jobOf(await create(side, input));
    expect(found.name).toContain('lost-made');
    expect(jobOf(await create(side, input)).id).toBe(found.id);
    // Left under way past its deadline instead: the same.
    const stale = { ...side.input('stale-made'), idempotencyKey: `stale-made-${randomUUID()}` };
    await lose(side, stale, true);
    await age(stale.idempotencyKey, 'creating', 10 * MINUTE);
    expect(jobOf(await create(side, stale)).name).toContain('stale-made');
    expect(side.creations()).toBe(0);
  });

  it('creates once for two retries racing on a stale key', async () => {
    const key = `race-${randomUUID()}`;
    const input = { ...side.input('raced'), idempotencyKey: key };
    await lose(side, input, false);
    await age(key, 'creating', 10 * MINUTE);
    side.faultCreations({ latencyMs: 500 });
    const [a, b] = await Promise.all([create(side, input), create(side, input)]);
    expect(jobOf(a).id).toBe(jobOf(b).id);
    expect(side.creations()).toBe(1);
  });

  it('waits while a lost call may still land, then creates; a job of another key is not taken', async () => {
    const input = side.input('lost-none');
    const theirs = jobOf(await create(side, { ...input, idempotencyKey: `theirs-${randomUUID()}` }));
    const key = `lost-${randomUUID()}`;
    await lose(side, { ...input, idempotencyKey: key }, false);
    expect(outcomeUnknown(await create(side, { ...input, idempotencyKey: key }))).toMatch(
      /no job of it shows on the provider yet: retry with this key after \d+ s/,
    );
    expect(side.creations()).toBe(0);
    await age(key, 'unknown', MINUTE);
    const mine = jobOf(await create(side, { ...input, idempotencyKey: key }));
    expect(mine.id).not.toBe(theirs.id);
    expect(side.creations()).toBe(1);
  });

  it('creates nothing when the list of jobs cannot be read', async () => {
    const key = `unread-${randomUUID()}`;
    const input = { ...side.input('unread'), idempotencyKey: key };
    await lose(side, input, false);
    await age(key, 'creating', 10 * MINUTE);
    side.failLists(true);
    expect(outcomeUnknown(await create(side, input))).toContain("could not tell from the provider's jobs");
    side.failLists(false);
    expect(side.lists()).toBeGreaterThan(0);
    expect(side.creations()).toBe(0);
  });
});
