/**
 * Regression: a subscription keeps one context, and DataLoader kept a failed load's rejection for
 * that context's whole life, so one upstream blip on a linked object (the dataset) repeated on every
 * later event without another upstream call. Failed loads are now forgotten.
 */
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { useLiveStack } from '../harness/live-stack.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually } from '../harness/stack.js';

const live = useLiveStack({ datasetName: 'blip' });
const { clock } = live;

describe('failed loads in a subscription', () => {
  it('an upstream failure on a linked object shows on one event only; the next event reads it again', async () => {
    const job = await live.stack.client.createJob(DEMO, {
      name: 'blip',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: live.datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    live.stack.simulator.setFaults({ route: 'GET /datasets', error: { count: 3, status: 503 } }); // the client's 3 attempts at the list of datasets
    const sub = subscribeSse(
      (url, init) => live.stack.gateway.yoga.fetch(url, init) as Promise<Response>,
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { status dataset { name } } }',
      { id: job.id },
      DEMO,
    );
    await eventually(() => (sub.events.length === 1 ? true : undefined));
    expect(sub.events[0]).toMatchObject({
      data: { jobUpdated: { status: 'RUNNING', dataset: null } },
      errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE' } }],
    });

    clock.at(job, 0.6);
    await eventually(() => (sub.events.length === 2 ? true : undefined));
    expect(sub.events[1]).toEqual({ data: { jobUpdated: { status: 'RUNNING', dataset: { name: 'blip' } } } });

    clock.at(job, 1.1);
    await sub.done;
    expect(sub.events.at(-1)).toEqual({ data: { jobUpdated: { status: 'COMPLETED', dataset: { name: 'blip' } } } });
  });
});
