/** `jobUpdated` over graphql-ws on the same port and path as HTTP, credentials from connectionParams. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { pollingStopped, useLiveStack } from '../harness/live-stack.js';
import { DEMO, OTHER, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  stack = await startStack({ http: true, simulator: { jobSeconds: 2 } });
  ({ datasetId } = await seedDataset(stack, DEMO));
});
afterAll(() => stack.close());

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { latest { step } } } }`;
const newJob = (name: string) =>
  stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });

describe('jobUpdated over WebSocket', () => {
  it('delivers changes up to COMPLETED and completes', async () => {
    const job = await newJob('ws');
    const client = wsClient(stack.server!.url, DEMO);
    try {
      const sub = subscribeWs(client, WATCH, { id: job.id });
      await sub.done;
      expect(sub.events.every((e) => e.errors === undefined)).toBe(true);
      expect(sub.events.at(-1)?.data?.jobUpdated.status).toBe('COMPLETED');
    } finally {
      await client.dispose();
    }
  });

  it('the wrong tenant gets NOT_FOUND and no event; the socket stays usable', async () => {
    const job = await newJob('private');
    const client = wsClient(stack.server!.url, OTHER);
    try {
      const refused = subscribeWs(client, WATCH, { id: job.id });
      await refused.done;
      expect(refused.events).toEqual([
        { data: null, errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND', field: 'id' } })] },
      ]);
      const ok = await new Promise((resolve, reject) =>
        client.subscribe({ query: '{ baseModels { id } }' }, { next: resolve, error: reject, complete: () => {} }),
      );
      expect((ok as any).data.baseModels).toHaveLength(8);
    } finally {
      await client.dispose();
    }
  });

  it('without credentials (and no fallback) a subscription gets UNAUTHENTICATED', async () => {
    const job = await newJob('anon');
    const client = wsClient(stack.server!.url, null);
    try {
      const sub = subscribeWs(client, WATCH, { id: job.id });
      await sub.done.catch(() => {});
      expect(JSON.stringify(sub.events)).toContain('UNAUTHENTICATED');
    } finally {
      await client.dispose();
    }
  });
});

// Its own stack, on a manual clock: the job stays running for as long as the test needs, so only the
// unsubscription can stop the poller (a job that completes would stop it anyway).
describe('jobUpdated over WebSocket, leaving early', () => {
  const held = useLiveStack({ http: true, jobSeconds: 1_000 });
  const jobPolls = () => held.stack.simulator.stats()['GET /jobs/{id}'] ?? 0;

  it('unsubscribing stops the poller', async () => {
    const job = await held.newJob('left');
    held.clock.at(job, 0.5); // Running, and it stays so: the clock does not move.
    const sub = subscribeWs(held.ws(DEMO), WATCH, { id: job.id });
    await eventually(() => (sub.events.length > 0 ? true : undefined));
    expect(sub.events[0]!.data.jobUpdated.status).toBe('RUNNING');
    // While the subscriber stays, the poller stays and polls.
    const before = jobPolls();
    await eventually(() => (jobPolls() >= before + 2 ? true : undefined), 5_000, 'polling to go on');
    expect(held.stack.live.pollerCount()).toBe(1);

    sub.unsubscribe();
    // No job poll while a list poller on the same interval polls several times (see pollingStopped).
    await pollingStopped(held.stack);
    expect(held.stack.live.pollerCount()).toBe(0);
  });
});
