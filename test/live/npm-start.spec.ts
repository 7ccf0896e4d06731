/**
 * `npm start` as a container stop or a process manager runs it: SIGTERM goes to the npm process.
 * Under `tsx src/server/main.ts` that signal never reached the gateway (tsx's own child), which was
 * left running, orphaned, its port still open. `npm start` runs the build (dist/, plain JavaScript)
 * with node as npm's only child. And a configuration mistake is a message, not a stack trace.
 *
 * The build is brought up to date once, before the tests; `npm start`'s own pre-step then finds it
 * current and builds nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../harness/http-client.js';
import { eventually } from '../harness/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function npmStart(extra: NodeJS.ProcessEnv) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'silent', ...extra };
  for (const name of ['REDIS_URL', 'NSCALE_API_URL', 'HOST', 'npm_lifecycle_event'])
    if (!(name in extra)) delete env[name];
  // Its own process group, so that whatever it leaves behind can be found and killed afterwards.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group is gone: nothing was left behind.
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The command lines of a process's children (Linux's /proc; null where there is none). */
function childCommands(pid: number): string[] | null {
  if (!existsSync(`/proc/${pid}/task`)) return null;
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean),
  );
  return children.map((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '));
}

// What `npm start`'s pre-step would build, built once here: nothing after `npm ci` (whose `prepare`
// built it all), the server part after an edit to src/.
beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'pipe' });
}, 180_000);

describe('npm start', () => {
  it('runs the build with node as its only child; on SIGTERM to the npm process, drains, closes its port within 10 s and exits cleanly', async () => {
    const run = npmStart({ LOG_LEVEL: 'info' });
    try {
      const url = await eventually(
        () =>
          /GraphiQL: (http:\/\/[^\s]+)\/graphql/.exec(run.out())?.[1]?.replace('localhost', '127.0.0.1') ??
          (run.child.exitCode !== null ? 'exited' : undefined),
        60_000,
        'the gateway to listen',
      );
      expect(url, run.err()).not.toBe('exited');
      expect(run.out()).not.toContain('built server');
      const children = childCommands(run.child.pid!);
      if (children)
        expect(children).toEqual([
          expect.stringMatching(/^\S*node --max-semi-space-size=64 --expose-gc dist\/server\/main-production\.js$/),
        ]);
      const port = Number(new URL(url).port);
      expect((await postGraphQL(url, '{ baseModels { id } }', {}, null)).data?.baseModels).toHaveLength(8);

      run.child.kill('SIGTERM');
      await eventually(async () => ((await portOpen(port)) ? undefined : true), 10_000, 'the port to close');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.err()).toBe('');
      const messages = run
        .out()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toEqual(expect.arrayContaining(['SIGTERM: draining', 'stopped']));
    } finally {
      killGroup(run.child);
    }
  }, 120_000);

  it('NSCALE_API_URL=not-a-url prints the configuration message naming the variable, no stack trace', async () => {
    const run = npmStart({ NSCALE_API_URL: 'not-a-url' });
    try {
      expect((await run.exited).code).toBe(1);
      expect(run.err()).toContain('NSCALE_API_URL="not-a-url": must be an http(s) URL');
      expect(run.err()).not.toMatch(/^\s+at /m);
    } finally {
      killGroup(run.child);
    }
  }, 60_000);
});
