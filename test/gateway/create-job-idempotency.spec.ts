/**
 * `createJob`'s `idempotencyKey` on both providers (the gateway's database: PGlite in memory): the
 * same key and input twice creates one job and answers it twice; a client that leaves right after
 * sending (the simulator holding its answer) does not stop the creation, and its retry, waiting for
 * it, gets that one job; the same key with another input is refused and creates nothing; two callers'
 * equal keys are two jobs. Creations are counted by the simulators' own statistics.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, OTHER, eventually, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import {
  TOGETHER_CSV,
  TOGETHER_HEADERS,
  TOGETHER_MODEL,
  gatewayGql,
  gatewayUpload,
  uploadedId,
} from '../harness/together-job.js';

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id name status } }';
const silent = pino({ level: 'silent' });

let stack: Stack;
let store: WebhookStore;

interface Side {
  provider: 'together' | 'nscale';
  /** The creation route as the simulator's statistics name it. */
  route: string;
  /** Two callers of the provider (two tokens, two accounts). */
  callers: [Record<string, string>, Record<string, string>];
  /** A valid job input of the caller, named `name`. */
  input(caller: 0 | 1, name: string): Record<string, unknown>;
  creations(): number;
  /** Sets (or with 0 clears) a latency on the simulator's creation route. */
  holdCreations(ms: number): void;
}

const data: Record<string, string> = {};

const SIDES: Side[] = [
  {
    provider: 'together',
    route: 'POST /fine-tunes',
    callers: [TOGETHER_HEADERS, { authorization: 'Bearer other-token', 'x-provider': 'together' }],
    input: (caller, name) => ({
      name,
      baseModelId: TOGETHER_MODEL,
      files: { trainingFileId: data[`together-${caller}`] },
      hyperparameters: { nEpochs: 1, batchSize: 8 },
    }),
    creations: () => stack.togetherCalls()['POST /fine-tunes'] ?? 0,
    holdCreations: (ms) =>
      stack.togetherSimulator!.setFaults(ms ? { rules: [{ route: 'POST /fine-tunes', latencyMs: ms }] } : {}),
  },
  {
    provider: 'nscale',
    route: 'POST /jobs',
    callers: [
      { ...headersFor(DEMO), 'x-provider': 'nscale' },
      { ...headersFor(OTHER), 'x-provider': 'nscale' },
    ],
    input: (caller, name) => ({
      name,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: data[`nscale-${caller}`], promptColumn: 'question', answerColumn: 'answer' },
    }),
    creations: () => stack.calls()['POST /jobs'] ?? 0,
    holdCreations: (ms) => stack.simulator.setFaults(ms ? { rules: [{ route: 'POST /jobs', latencyMs: ms }] } : {}),
  },
];

beforeAll(async () => {
  const db = await connectPglite('memory://', silent);
  await migrateToLatest(db);
  store = storeOn(db, { key: null, logger: silent });
  stack = await startStack({ webhookStore: store, webhookDelivery: false, gateway: { responseCache: null } });
  for (const [i, headers] of SIDES[0]!.callers.entries()) {
    const file = new File([TOGETHER_CSV], `keyed-${i}.csv`, { type: 'text/csv' });
    data[`together-${i}`] = uploadedId(await gatewayUpload(stack.gateway, file, { headers }));
  }
  data['nscale-0'] = (await seedDataset(stack, DEMO)).datasetId;
  data['nscale-1'] = (await seedDataset(stack, OTHER, 'other')).datasetId;
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await store?.close();
});
beforeEach(() => {
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
});

const create = (side: Side, input: Record<string, unknown>, caller: 0 | 1 = 0): Promise<GraphQLResponse> =>
  gatewayGql(stack.gateway, CREATE, { i: input }, side.callers[caller]);

const jobOf = (answer: GraphQLResponse) => {
  expect(answer.errors).toBeUndefined();
  return answer.data!.createJob as { id: string; name: string; status: string };
};

describe.each(SIDES)('createJob with an idempotencyKey on $provider', (side) => {
  it('creates one job for the same key sent twice, and answers it both times', async () => {
    const input = { ...side.input(0, 'keyed-twice'), idempotencyKey: randomUUID() };
    const first = jobOf(await create(side, input));
    const second = jobOf(await create(side, input));
    expect(second.id).toBe(first.id);
    expect(side.creations()).toBe(1);
    // Without a key, every request creates: today's behaviour.
    const plain = side.input(0, 'unkeyed');
    expect(jobOf(await create(side, plain)).id).not.toBe(jobOf(await create(side, plain)).id);
    expect(side.creations()).toBe(3);
  });

  it('lets a creation its client left finish, and answers it to the retry (which waits for it)', async () => {
    const input = { ...side.input(0, 'keyed-left'), idempotencyKey: `left-${randomUUID()}` };
    side.holdCreations(1_500);
    try {
      const leaving = new AbortController();
      const sent = Promise.resolve(
        stack.gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...side.callers[0] },
          body: JSON.stringify({ query: CREATE, variables: { i: input } }),
          signal: leaving.signal,
        }),
      )
        .then((response) => response.text())
        .catch(() => 'left');
      // The creation has reached the upstream, which holds its answer: the client leaves.
      await eventually(() => (side.creations() === 1 ? true : undefined), 10_000, 'the creation upstream');
      leaving.abort();
      await sent;
      const retried = jobOf(await create(side, input));
      expect(side.creations()).toBe(1);
      const again = jobOf(await create(side, input));
      expect(again.id).toBe(retried.id);
      expect(side.creations()).toBe(1);
    } finally {
      side.holdCreations(0);
    }
  });

  it('refuses the same key with another input, creating nothing', async () => {
    const key = randomUUID();
    const first = jobOf(await create(side, { ...side.input(0, 'keyed-a'), idempotencyKey: key }));
    const other = await create(side, { ...side.input(0, 'keyed-b'), idempotencyKey: key });
    expect(other.data).toBeNull();
    expect(other.errors).toHaveLength(1);
    expect(other.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect(other.errors![0]!.message).toContain(`idempotencyKey: "${key}" was sent with another job's input`);
    expect(side.creations()).toBe(1);
    // The first input still answers its job.
    expect(jobOf(await create(side, { ...side.input(0, 'keyed-a'), idempotencyKey: key })).id).toBe(first.id);
    expect(side.creations()).toBe(1);
  });

  it("keeps two callers' equal keys apart: two jobs", async () => {
    const key = randomUUID();
    const mine = jobOf(await create(side, { ...side.input(0, 'keyed-mine'), idempotencyKey: key }, 0));
    const theirs = jobOf(await create(side, { ...side.input(1, 'keyed-mine'), idempotencyKey: key }, 1));
    expect(theirs.id).not.toBe(mine.id);
    expect(side.creations()).toBe(2);
  });

  it('refuses a malformed key with the input’s other problems, naming field, value and rule', async () => {
    const answer = await create(side, { ...side.input(0, 'keyed-bad'), baseModelId: 'nope', idempotencyKey: 'a b' });
    expect(answer.data).toBeNull();
    const problems = answer.errors!.map((e) => ({ field: e.extensions?.field, message: e.message }));
    expect(problems).toContainEqual({
      field: 'idempotencyKey',
      message: 'idempotencyKey: "a b" is not 1 to 128 characters of A–Z, a–z, 0–9, ".", "_", ":" or "-" (a UUID fits)',
    });
    expect(problems.length).toBeGreaterThan(1);
    const long = await create(side, { ...side.input(0, 'keyed-long'), idempotencyKey: 'k'.repeat(129) });
    expect(long.errors![0]!.message).toMatch(/^idempotencyKey: 129 characters is not 1 to 128 characters/);
    expect(side.creations()).toBe(0);
  });
});
