/**
 * `npm run simulator` as a program (`node --import tsx src/simulator/main.ts`, its source): with
 * SIMULATOR_PROVIDER=together it serves Together's API under /v1 for the default tenants, with the
 * admin routes; without it, the Nscale simulator as before.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

async function runSimulator(
  env: Record<string, string>,
  banner: RegExp,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = banner.exec(out);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`the simulator exited before listening: ${err}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('npm run simulator', () => {
  it('serves Together under /v1 with SIMULATOR_PROVIDER=together, for demo-token and other-token', async () => {
    const sim = await runSimulator(
      { SIMULATOR_PROVIDER: 'together' },
      /together simulator listening on (http:\/\/\S+\/v1)/,
    );
    try {
      const models = await fetch(`${sim.url}/models`, { headers: { authorization: 'Bearer demo-token' } });
      expect(models.status).toBe(200);
      expect(((await models.json()) as Array<{ id: string }>).length).toBeGreaterThan(0);
      const other = await fetch(`${sim.url}/fine-tunes`, { headers: { authorization: 'Bearer other-token' } });
      expect(await other.json()).toEqual({ data: [] });
      expect((await fetch(`${sim.url}/fine-tunes`, { headers: { authorization: 'Bearer nobody' } })).status).toBe(401);
      const stats = await fetch(`${sim.url.replace(/\/v1$/, '')}/__admin/stats`);
      expect(await stats.json()).toEqual({ 'GET /models': 1, 'GET /fine-tunes': 2 });
    } finally {
      await sim.stop();
    }
  });

  it('stays the Nscale simulator without SIMULATOR_PROVIDER', async () => {
    const sim = await runSimulator({}, /^simulator listening on (http:\/\/\S+\/api\/v1)/m);
    try {
      const res = await fetch(`${sim.url}/organizations/demo-org/base-models`, {
        headers: { authorization: 'Bearer demo-token' },
      });
      expect(res.status).toBe(200);
    } finally {
      await sim.stop();
    }
  });
});
