/**
 * A keyed `createJob` whose outcome the database fails to record (a blip as the job is created): the
 * caller gets its job at once, the write is tried again in the background, so a retry of the key
 * still answers that job (before, the record stayed "under way" and the retry got CONFLICT, then
 * UPSTREAM_OUTCOME_UNKNOWN); and when every try fails, the gateway logs it with the job's id, never
 * the caller's token. Creations are counted by the simulator's own statistics.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, eventually, headersFor, startStack, type Stack } from '../harness/stack.js';
import { gatewayGql } from '../harness/together-job.js';

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';
const HEADERS = { ...headersFor(DEMO), 'x-provider': 'nscale' };

let stack: Stack;
let store: WebhookStore;
let datasetId: string;
/** How many of the next recordings fail, as a dropped database connection does. */
let failingRecords = 0;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const silent = pino({ level: 'silent' });
  const db = await connectPglite('memory://', silent);
  await migrateToLatest(db);
  const real = storeOn(db, { key: null, logger: silent });
  store = new Proxy(real, {
    get: (target, name) => {
      if (name !== 'finishCreationKey') return Reflect.get(target, name) as unknown;
      return (...args: Parameters<WebhookStore['finishCreationKey']>) =>
        failingRecords-- > 0
          ? Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' }))
          : target.finishCreationKey(...args);
    },
  });
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  stack = await startStack({ webhookStore: store, webhookDelivery: false, logger, gateway: { responseCache: null } });
  datasetId = (await seedDataset(stack, DEMO)).datasetId;
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await store?.close();
});

const create = (key: string) =>
  gatewayGql(
    stack.gateway,
    CREATE,
    {
      i: {
        name: 'recorded',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
        idempotencyKey: key,
      },
    },
    HEADERS,
  );
const creations = () => stack.calls()['POST /jobs'] ?? 0;
const unrecorded = () => lines.filter((l) => String(l.msg).startsWith('createJob: how a keyed creation ended'));

describe('createJob with an idempotencyKey when recording its outcome fails', () => {
  it('tries the record again, so that a retry of the key answers the same job', async () => {
    stack.simulator.resetStats();
    failingRecords = 1;
    const key = randomUUID();
    const first = await create(key);
    expect(first.errors).toBeUndefined();
    const id = (first.data!.createJob as { id: string }).id;
    const retried = await create(key);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.createJob).toEqual({ id });
    expect(creations()).toBe(1);
    expect(unrecorded()).toEqual([]);
  });

  it('answers the job, and logs it with the job id and never the token, when every try fails', async () => {
    stack.simulator.resetStats();
    failingRecords = 3;
    const first = await create(randomUUID());
    expect(first.errors).toBeUndefined();
    const id = (first.data!.createJob as { id: string }).id;
    const [line] = await eventually(() => (unrecorded().length ? unrecorded() : undefined), 5_000, 'the log line');
    expect(line).toMatchObject({ level: 50, provider: 'nscale', outcome: 'created', jobId: id });
    expect(line!.msg).toMatch(
      /a retry with its idempotencyKey looks for the job on the provider once \d+ s have passed/,
    );
    expect(JSON.stringify(line)).not.toContain(DEMO.token);
    expect(creations()).toBe(1);
  });
});
