/**
 * A keyed `createJob` never creates without its guarantee: with the gateway's database out of reach
 * (a store whose every call fails as a refused connection does) it answers the store's
 * SERVICE_UNAVAILABLE and nothing reaches the upstream, on both providers; a gateway that keeps no
 * database (WEBHOOKS_ENABLED=false) refuses keyed creations the same way. Without a key, both create.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import {
  TOGETHER_CSV,
  TOGETHER_HEADERS,
  TOGETHER_MODEL,
  gatewayGql,
  gatewayUpload,
  uploadedId,
} from '../harness/together-job.js';

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';

/** A store on a PostgreSQL that refuses connections: every method rejects as `pg` would. */
const unreachableStore = new Proxy({} as WebhookStore, {
  get: (_, name) =>
    name === 'then'
      ? undefined
      : async () => {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        },
});

/** Both providers' inputs on `stack`, and how many creations each simulator received. */
async function sides(stack: Stack) {
  const file = new File([TOGETHER_CSV], 'keyed.csv', { type: 'text/csv' });
  const fileId = uploadedId(await gatewayUpload(stack.gateway, file));
  const { datasetId } = await seedDataset(stack, DEMO);
  return [
    {
      provider: 'together',
      headers: TOGETHER_HEADERS,
      input: { name: 'keyed', baseModelId: TOGETHER_MODEL, files: { trainingFileId: fileId } },
      creations: () => stack.togetherCalls()['POST /fine-tunes'] ?? 0,
    },
    {
      provider: 'nscale',
      headers: { ...headersFor(DEMO), 'x-provider': 'nscale' },
      input: {
        name: 'keyed',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
      },
      creations: () => stack.calls()['POST /jobs'] ?? 0,
    },
  ];
}

describe.each([
  {
    what: 'the database out of reach',
    options: { webhookStore: unreachableStore, webhookDelivery: false },
    message: /database \(DATABASE_URL\) cannot be reached: nothing was read or changed/,
  },
  {
    what: 'no database (WEBHOOKS_ENABLED=false)',
    options: { env: { WEBHOOKS_ENABLED: 'false' } },
    message: /^idempotencyKey: this gateway keeps no database \(WEBHOOKS_ENABLED=false\)/,
  },
])('createJob with an idempotencyKey and $what', ({ options, message }) => {
  let stack: Stack;
  let both: Awaited<ReturnType<typeof sides>>;
  beforeAll(async () => {
    stack = await startStack({ ...options, gateway: { responseCache: null } });
    both = await sides(stack);
  }, 120_000);
  afterAll(() => stack?.close());

  it('answers SERVICE_UNAVAILABLE and creates nothing, on both providers; without a key it creates', async () => {
    for (const side of both) {
      const keyed = await gatewayGql(
        stack.gateway,
        CREATE,
        { i: { ...side.input, idempotencyKey: 'k-1' } },
        side.headers,
      );
      expect(keyed.data, side.provider).toBeNull();
      expect(keyed.errors?.[0]?.extensions?.code, side.provider).toBe('SERVICE_UNAVAILABLE');
      expect(keyed.errors?.[0]?.message, side.provider).toMatch(message);
      expect(side.creations(), side.provider).toBe(0);
      const plain = await gatewayGql(stack.gateway, CREATE, { i: side.input }, side.headers);
      expect(plain.errors, side.provider).toBeUndefined();
      expect(side.creations(), side.provider).toBe(1);
    }
  });
});
