/**
 * The client spells out the wire's enums itself (src/upstream/schemas.ts) instead of importing the
 * contract's lists that the simulator uses: so a simulator (or a contract) that drifts fails here,
 * rather than both sides silently agreeing on a changed list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUSES, TRAINABLE_MODULES } from '../../src/contract/hyperparameters.js';
import { jobSchema, jobStatusSchema, trainableModuleSchema } from '../../src/upstream/schemas.js';
import {
  caller,
  createDataset,
  fakeClock,
  jobBody,
  startSimulator,
  type Caller,
  type Simulator,
} from '../simulator/harness.js';

describe("the client's wire enums and the contract's", () => {
  it('name the same job statuses', () => {
    expect([...jobStatusSchema.options].sort()).toEqual([...JOB_STATUSES].sort());
  });

  it('name the same trainable modules', () => {
    expect([...trainableModuleSchema.options].sort()).toEqual([...TRAINABLE_MODULES].sort());
  });
});

describe("the simulator's answers parse with the client's enums", () => {
  // 100 s jobs: queued 0–10 s, starting 10–20 s, running 20–100 s, completed at 100 s.
  const clock = fakeClock();
  let sim: Simulator;
  let api: Caller;
  let datasetId: string;
  beforeAll(async () => {
    sim = await startSimulator({ jobSeconds: 100, now: clock.now });
    api = caller(sim);
    datasetId = await createDataset(api);
  });
  afterAll(() => sim.close());

  it('through a whole job life, with every trainable module named', async () => {
    const modules = [...trainableModuleSchema.options];
    const created = await api.call(
      'POST',
      '/jobs',
      jobBody(datasetId, { hyperparameters: { n_epochs: 1, batch_size: 4, lora: { trainable_modules: modules } } }),
    );
    expect(created.status).toBe(201);
    const id = created.body.job.id as string;
    const seen: string[] = [];
    for (const seconds of [0, 10, 10, 80]) {
      clock.advance(seconds);
      const job = jobSchema.parse((await api.call('GET', `/jobs/${id}`)).body);
      expect(job.hyperparameters.lora.trainableModules).toEqual(modules);
      seen.push(job.status);
    }
    const cancelled = await api.call('POST', '/jobs', jobBody(datasetId));
    const cancel = await api.call('POST', `/jobs/${cancelled.body.job.id as string}/cancel`);
    seen.push(jobSchema.parse(cancel.body).status);
    expect(seen).toEqual(['queued', 'starting', 'running', 'completed', 'cancelled']);
  });

  it('as list filters: the simulator accepts every status the client may ask for', async () => {
    for (const status of jobStatusSchema.options) {
      const res = await api.call('GET', `/jobs?status=${status}`);
      expect({ status, http: res.status }).toEqual({ status, http: 200 });
    }
  });
});
