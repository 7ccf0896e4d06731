/**
 * Regression: without a Redis at 6379, `npm test` failed 6 tests and printed hundreds of "Unhandled
 * error event" lines. Specs that need Redis now skip, saying why (test/harness/redis-available.ts).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

/** A loopback port nothing listens on: bound, noted, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function specFiles(dir: URL, prefix = 'test/'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? specFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`)
      : entry.name.endsWith('.spec.ts')
        ? [`${prefix}${entry.name}`]
        : [],
  );
}

describe('without Redis', () => {
  it('every spec that connects to Redis asks test/harness/redis-available.ts whether one answers', () => {
    const unguarded = specFiles(new URL('test/', root)).filter((path) => {
      const text = readFileSync(new URL(path, root), 'utf8');
      return (
        /new Redis\(|REDIS_URL/.test(text) &&
        !text.includes('redis-available.js') &&
        // Those on a redis-server of their own skip where it is not installed (test/harness/redis-server-process.ts).
        !text.includes('redis-server-process.js') &&
        path !== 'test/live/without-redis.spec.ts'
      );
    });
    // These only remove REDIS_URL from an environment or read it as a setting.
    const settingsOnly = [
      'test/live/npm-start.spec.ts',
      'test/config.spec.ts',
      'test/deploy/kubernetes.spec.ts',
      'test/server/together-only-start.spec.ts',
      'test/gateway/readiness-database-outage.spec.ts', // its degraded message names REDIS_URL
      'test/deploy/probe-comments.spec.ts', // so does the readiness answer it reads
    ];
    expect(unguarded.filter((p) => !settingsOnly.includes(p))).toEqual([]);
  });

  it('a Redis spec skips with the reason, and prints no unhandled error event', async () => {
    const port = await closedPort();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', 'test/subscriptions/redis.spec.ts', '--reporter=verbose'],
      { cwd: root, env: { ...process.env, NO_COLOR: '1', REDIS_URL: `redis://127.0.0.1:${port}` }, timeout: 60_000 },
    );
    const output = stdout + stderr;
    expect(output).toContain(`(SKIPPED: no Redis answers at REDIS_URL=127.0.0.1:${port}`);
    expect(output).not.toContain('Unhandled error');
    expect(output).not.toMatch(/^\s+at .*ioredis/m);
    expect(output).toMatch(/Tests\s+\S*\s*\d+ skipped/);
  }, 90_000);
});
