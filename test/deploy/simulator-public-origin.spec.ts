/**
 * The simulator's download links in compose (issue 21): the gateways call it as `simulator:4010`, a
 * name only they resolve, so a link built on the request's Host pointed the user's browser at a port
 * nothing published. With `publicOrigin` (SIMULATOR_PUBLIC_ORIGIN) the links name the origin the
 * operator published instead, whatever Host the API caller used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, createDataset, fakeClock, jobBody, startSimulator, type Simulator } from '../simulator/harness.js';

const PUBLIC = 'http://localhost:4010';
const clock = fakeClock();
let sim: Simulator;
let completed: string;

beforeAll(async () => {
  sim = await startSimulator({ jobSeconds: 100, now: clock.now, publicOrigin: `${PUBLIC}/` });
  const api = caller(sim);
  completed = (await api.call('POST', '/jobs', jobBody(await createDataset(api)))).body.job.id;
  clock.advance(100);
});
afterAll(() => sim.close());

describe('the simulator behind a published port', () => {
  it('names its public origin in download links, and serves the link under it', async () => {
    // Asked at 127.0.0.1:<port>, the Host a link used to be built on.
    const res = await caller(sim).call('GET', `/jobs/${completed}/download`);
    expect(res.status).toBe(302);
    const link = new URL(res.headers.get('location')!);
    expect(link.origin).toBe(PUBLIC);
    expect(res.body).toEqual({ download_url: link.href });
    // What the published port leads to: this simulator, under the same path.
    const file = await fetch(`${sim.origin}${link.pathname}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/gzip');
  });

  it.each([
    ['http://localhost:4010/downloads', 'without a path'],
    ['http://user:secret@localhost:4010', 'without a path, query or credentials'],
    ['ftp://localhost', 'http(s) origin'],
  ])('refuses %s as a public origin, naming the option', async (publicOrigin, rule) => {
    await expect(startSimulator({ publicOrigin })).rejects.toThrow(`simulator option publicOrigin: must be`);
    await expect(startSimulator({ publicOrigin })).rejects.toThrow(rule);
  });
});
