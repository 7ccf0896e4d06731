import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { caller, createDataset, jobBody, readAnswer, startSimulator, type Caller, type Simulator } from './harness.js';

let sim: Simulator;
let api: Caller;
beforeAll(async () => {
  sim = await startSimulator();
  api = caller(sim);
});
afterEach(() => sim.setFaults({}));
afterAll(() => sim.close());

const admin = async (method: string, path: string, body?: unknown) =>
  readAnswer(
    await fetch(`${sim.origin}/__admin/${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    }),
  );

describe('request stats', () => {
  it('counts every request that reached a route, by METHOD /template, refused ones included', async () => {
    const ds = await createDataset(api);
    const job = (await api.call('POST', '/jobs', jobBody(ds))).body.job.id as string;
    sim.resetStats();

    await api.call('GET', '/base-models');
    await api.call('GET', '/base-models');
    await api.call('POST', '/jobs', { name: 'bad' }); // 400
    await api.call('GET', `/jobs/${job}`);
    await api.call('GET', '/jobs/job-unknown'); // 404
    await caller(sim, null).call('GET', `/jobs/${job}/metrics`); // 401
    await caller(sim, 'demo-token', 'other-org').call('GET', '/datasets'); // 403
    await api.call('GET', '/no-such-route'); // no route: not counted

    const expected = {
      'GET /base-models': 2,
      'POST /jobs': 1,
      'GET /jobs/{id}': 2,
      'GET /jobs/{id}/metrics': 1,
      'GET /datasets': 1,
    };
    expect(sim.stats()).toEqual(expected);
    expect((await admin('GET', 'stats')).body).toEqual(expected);
  });

  it('resets counts over HTTP and keeps the state', async () => {
    const ds = await createDataset(api);
    expect((await admin('POST', 'stats/reset')).status).toBe(204);
    expect(sim.stats()).toEqual({});
    expect((await api.call('GET', `/datasets/${ds}`)).status).toBe(200);
    expect(sim.stats()).toEqual({ 'GET /datasets/{id}': 1 });
  });
});

describe('faults', () => {
  it('answers 503 unavailable (default) or 500 internal at error rate 1, and counts them', async () => {
    sim.resetStats();
    sim.setFaults({ error: { rate: 1 } });
    expect(await api.call('GET', '/base-models')).toMatchObject({ status: 503, body: { code: 'unavailable' } });
    sim.setFaults({ error: { rate: 1, status: 500 } });
    expect(await api.call('GET', '/base-models')).toMatchObject({ status: 500, body: { code: 'internal' } });
    expect(sim.stats()).toEqual({ 'GET /base-models': 2 });
  });

  it('applies a fault scoped to one route template only', async () => {
    sim.setFaults({ route: 'GET /jobs/{id}', error: { rate: 1 } });
    expect((await api.call('GET', '/jobs/job-x')).status).toBe(503);
    expect((await api.call('GET', '/jobs')).status).toBe(200);
    expect((await api.call('POST', '/jobs/job-x/cancel')).status).toBe(404);
  });

  it('faults the next N requests with count, then stops', async () => {
    sim.setFaults({ error: { count: 2 } });
    expect((await api.call('GET', '/jobs')).status).toBe(503);
    expect((await admin('GET', 'faults')).body).toEqual({ error: { count: 1 } });
    expect((await api.call('GET', '/jobs')).status).toBe(503);
    expect((await api.call('GET', '/jobs')).status).toBe(200);
  });

  it('answers 429 resource_exhausted with Retry-After', async () => {
    sim.setFaults({ rateLimit: { rate: 1, retryAfterSeconds: 7 } });
    const res = await api.call('GET', '/jobs');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body.code).toBe('resource_exhausted');
  });

  it('drops the connection without an answer', async () => {
    sim.setFaults({ drop: { count: 1 } });
    await expect(api.call('GET', '/jobs')).rejects.toThrow(/fetch failed/);
    expect((await api.call('GET', '/jobs')).status).toBe(200);
  });

  it('drops after the handler ran with after: true (the job exists, the answer never came)', async () => {
    const ds = await createDataset(api);
    const before = (await api.call('GET', '/jobs')).body.total;
    sim.setFaults({ route: 'POST /jobs', drop: { count: 1, after: true } });
    await expect(api.call('POST', '/jobs', jobBody(ds))).rejects.toThrow(/fetch failed/);
    expect((await api.call('GET', '/jobs')).body.total).toBe(before + 1);
  });

  it('adds latency', async () => {
    sim.setFaults({ latencyMs: 50, rules: [{ route: '/jobs', latencyMs: 400 }] });
    const started = performance.now();
    await api.call('GET', '/jobs');
    expect(performance.now() - started).toBeGreaterThanOrEqual(445);
    const quick = performance.now();
    await api.call('GET', '/base-models');
    const elapsed = performance.now() - quick;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(400);
  });

  it('is set and shown over HTTP, and refuses an invalid fault set', async () => {
    const set = await admin('POST', 'faults', {
      rules: [{ route: 'GET /jobs/{id}', error: { rate: 1, status: 500 } }],
    });
    expect(set).toMatchObject({
      status: 200,
      body: { rules: [{ route: 'GET /jobs/{id}', error: { rate: 1, status: 500 } }] },
    });
    expect((await api.call('GET', '/jobs/job-x')).status).toBe(500);
    const bad = await admin('POST', 'faults', { error: { rate: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^faults\.error\.rate: /);
    expect(() => sim.setFaults({ drop: { rate: -1 } })).toThrow(/drop\.rate/);
    expect((await admin('POST', 'faults', {})).body).toEqual({});
    expect((await api.call('GET', '/jobs/job-x')).status).toBe(404);
  });

  it('can be active from the start', async () => {
    const faulty = await startSimulator({ faults: { route: 'GET /base-models', rateLimit: { count: 1 } } });
    try {
      const f = caller(faulty);
      expect((await f.call('GET', '/base-models')).status).toBe(429);
      expect((await f.call('GET', '/base-models')).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});

describe('close()', () => {
  it('ends idle keep-alive connections promptly', async () => {
    const s = await startSimulator();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const res = await request(`${s.apiBaseUrl}/organizations/demo-org/jobs`, {
        headers: { authorization: 'Bearer demo-token' },
        dispatcher: agent,
      });
      await res.body.text();
      const started = performance.now();
      await s.close();
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await agent.close();
    }
  });
});
