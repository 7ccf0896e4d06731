import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseModelSchema, listSchema } from '../../src/upstream/schemas.js';
import { caller, createDataset, fakeClock, jobBody, readAnswer, startSimulator, type Simulator } from './harness.js';

const SECRET = 'test-secret-of-at-least-32-bytes-long!!';
const clock = fakeClock();
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ jwtSecret: SECRET, now: clock.now });
});
afterAll(() => sim.close());

async function jwt(claims: Record<string, unknown>, expiresInSeconds = 3600, secret = SECRET): Promise<string> {
  const iat = Math.floor(clock.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

describe('base models', () => {
  it('lists the eight seed models in the contract shape', async () => {
    const res = await caller(sim).call('GET', '/base-models');
    expect(res.status).toBe(200);
    const models = listSchema(baseModelSchema).parse(res.body).data;
    expect(models).toHaveLength(8);
    expect(res.body.data[0]).toEqual({
      id: 'e5f6a7b8-c9d0-1234-efab-567890123456',
      organization: 'Meta',
      name: 'Meta-Llama-3-8B-Instruct',
      context_length: 8192,
      supported_batch_sizes: [4, 8, 12, 16, 20, 24, 28, 32],
      training_precision: 'float16',
    });
  });
});

describe('authentication', () => {
  it('refuses a missing token with 401 unauthenticated', async () => {
    const res = await caller(sim, null).call('GET', '/base-models');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'unauthenticated', message: 'missing Authorization: Bearer <token> header' });
  });

  it('refuses an unknown token without echoing it', async () => {
    const res = await caller(sim, 'nope-secret-value').call('GET', '/base-models');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
    expect(JSON.stringify(res.body)).not.toContain('nope-secret-value');
  });

  it("answers 403 permission_denied for another organization's path", async () => {
    const res = await caller(sim, 'demo-token', 'other-org').call('GET', '/jobs');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('permission_denied');
  });

  it('accepts an HS256 JWT whose organization_id claim names the org', async () => {
    const token = await jwt({ organization_id: 'jwt-org' });
    expect((await caller(sim, token, 'jwt-org').call('GET', '/base-models')).status).toBe(200);
    expect((await caller(sim, token, 'demo-org').call('GET', '/base-models')).status).toBe(403);
  });

  it('accepts the shorter `org` claim too', async () => {
    const token = await jwt({ org: 'jwt-org' });
    expect((await caller(sim, token, 'jwt-org').call('GET', '/jobs')).status).toBe(200);
  });

  it('refuses an expired JWT with a message saying so', async () => {
    const token = await jwt({ organization_id: 'jwt-org' }, 60);
    expect((await caller(sim, token, 'jwt-org').call('GET', '/jobs')).status).toBe(200);
    clock.advance(61);
    const res = await caller(sim, token, 'jwt-org').call('GET', '/jobs');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'unauthenticated', message: 'the token has expired' });
  });

  it('refuses a JWT signed with another secret, or without an organization claim', async () => {
    const forged = await jwt({ organization_id: 'jwt-org' }, 3600, 'another-secret-another-secret-another');
    expect((await caller(sim, forged, 'jwt-org').call('GET', '/jobs')).status).toBe(401);
    const anonymous = await jwt({ sub: 'someone' });
    const res = await caller(sim, anonymous, 'jwt-org').call('GET', '/jobs');
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/organization_id/);
  });
});

describe('tenant isolation', () => {
  it("never shows one organization's files, datasets or jobs to another", async () => {
    const demo = caller(sim);
    const other = caller(sim, 'other-token', 'other-org');
    const datasetId = await createDataset(demo);
    const ds = await demo.call('GET', `/datasets/${datasetId}`);
    const job = await demo.call('POST', '/jobs', jobBody(datasetId));
    expect(job.status).toBe(201);

    expect((await other.call('GET', `/files/${ds.body.training_file_id}`)).status).toBe(404);
    expect((await other.call('GET', `/datasets/${datasetId}`)).status).toBe(404);
    expect((await other.call('DELETE', `/datasets/${datasetId}`)).status).toBe(404);
    expect((await other.call('GET', `/jobs/${job.body.job.id}`)).status).toBe(404);
    expect((await other.call('POST', `/jobs/${job.body.job.id}/cancel`)).status).toBe(404);
    expect((await other.call('GET', `/jobs/${job.body.job.id}/metrics`)).status).toBe(404);
    expect((await other.call('GET', '/datasets')).body).toEqual({ data: [] });
    expect((await other.call('GET', '/jobs')).body).toEqual({ data: [], total: 0 });
    // Using another org's dataset in a job is an unknown dataset, not a leak.
    const stolen = await other.call('POST', '/jobs', jobBody(datasetId));
    expect(stolen.status).toBe(400);
    expect(stolen.body.message).toMatch(/^dataset\.id: no dataset/);
    expect((await demo.call('GET', `/datasets/${datasetId}`)).status).toBe(200);
  });
});

describe('routing', () => {
  it('answers 404 with the envelope for an unknown route or method', async () => {
    const api = caller(sim);
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PUT', '/jobs'],
      ['GET', '/jobs/x/y/z'],
    ] as const) {
      const res = await api.call(method, path);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    const outside = await readAnswer(await fetch(`${sim.origin}/somewhere`));
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('not_found');
  });

  it('percent-decodes ids in paths', async () => {
    const res = await caller(sim).call('GET', `/jobs/${encodeURIComponent('job-a/b c')}`);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('no job "job-a/b c" in this organization');
  });

  it('percent-decodes the organization id', async () => {
    const sim2 = await startSimulator({ tenants: [{ token: 't', organizationId: 'org with space' }] });
    try {
      expect((await caller(sim2, 't', 'org with space').call('GET', '/jobs')).status).toBe(200);
    } finally {
      await sim2.close();
    }
  });
});
