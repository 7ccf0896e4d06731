/**
 * REDIS_URL naming a Redis that refuses the gateway: a wrong password, an ACL user it does not know,
 * no password for a server that requires one, a database it does not have. Before, the gateway
 * started all the same, logged "Redis connection lost; reconnecting" (for a wrong password, with the
 * password itself among the AUTH command's arguments), and only /readyz said more. Now it exits 1 with
 * one message on stderr naming REDIS_URL (password masked), Redis's reply and what to change, and the
 * password is nowhere in its output. Every connection is checked: the refusal of one (the rate
 * limit's) stops the start, and none is left open.
 *
 * A Redis that is down, silent or still loading its data at start is an outage, not a refusal: the
 * gateway starts, degraded, as before (a Redis restart during a rolling deploy must not take the
 * fleet down). Against a redis-server of the spec's own, and the gateway as its own process.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { composeGateway } from '../../src/server/compose-gateway.js';
import { connectRedis } from '../../src/server/connect-redis.js';
import { StartError, startFromConfig } from '../../src/server/start.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { eventually } from '../harness/stack.js';
import {
  freePort,
  REDIS_SERVER,
  REDIS_SERVER_SKIP_REASON,
  redisServerProcess,
  type RedisServerProcess,
} from '../harness/redis-server-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = `pw-${randomUUID()}`;
const WRONG = `wrong-${randomUUID()}`;
const scratch = mkdtempSync(join(tmpdir(), 'ftgw-redis-refused-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The production settings' shape on the embedded simulators, with every Redis connection (the rate limit's too). */
const ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  METRICS_ENABLED: 'false',
  RATE_LIMIT_ENABLED: 'true',
  // Unset (empty counts as unset), whatever the test's own environment holds.
  NSCALE_API_URL: '',
  TOGETHER_API_URL: '',
  DATABASE_URL: '',
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  DATA_DIR: join(scratch, 'data'),
};

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when it started (printed its GraphiQL line) instead: it was stopped then. */
  started: boolean;
}

/** Runs `src/server/main.ts` with REDIS_URL until it exits, or until it has started (then stopped). */
function runGateway(redisUrl: string): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...ENV, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!started && stdout.includes('GraphiQL: ')) {
      started = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, started })));
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string; degraded?: string } };
};

describe.skipIf(!REDIS_SERVER)(`a Redis that refuses REDIS_URL at start${REDIS_SERVER_SKIP_REASON}`, () => {
  let redis: RedisServerProcess;
  let url: (auth: string, database?: number) => string;
  beforeAll(async () => {
    redis = redisServerProcess(await freePort(), scratch);
    await redis.start(['--requirepass', PASSWORD]);
    url = (auth, database = 0) => `redis://${auth}127.0.0.1:${redis.port}/${database}`;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const refusals = [
    {
      what: 'a wrong password',
      auth: `:${WRONG}@`,
      shown: ':***@',
      reply: /WRONGPASS invalid username-password pair or user is disabled/,
      fix: "Set REDIS_URL's user name and password to ones the server accepts",
    },
    {
      what: 'an ACL user the server does not know',
      auth: `gateway:${PASSWORD}@`,
      shown: 'gateway:***@',
      reply: /WRONGPASS invalid username-password pair or user is disabled/,
      fix: "Set REDIS_URL's user name and password to ones the server accepts",
    },
    {
      what: 'no password, for a server that requires one',
      auth: '',
      shown: '',
      reply: /NOAUTH Authentication required/,
      fix: 'The server requires a password: put it in REDIS_URL (redis://:PASSWORD@host:port/db',
    },
  ];
  for (const { what, auth, shown, reply, fix } of refusals)
    it(`exits 1 on ${what}, naming REDIS_URL (password masked), Redis's reply and the fix`, async () => {
      const ended = await runGateway(url(auth));
      expect(ended.started).toBe(false);
      expect(ended.code).toBe(1);
      const message = ended.stderr.trim();
      expect(
        message.startsWith(
          `REDIS_URL (redis://${shown}127.0.0.1:${redis.port}/0): the Redis server refuses the gateway (`,
        ),
      ).toBe(true);
      expect(message).toMatch(reply);
      expect(message).toContain(fix);
      expect(message).toContain('A refusal is a configuration error and stops the start');
      for (const secret of [PASSWORD, WRONG]) expect(ended.stdout + ended.stderr).not.toContain(secret);
    }, 60_000);

  it('exits 1 on a database the server does not have, naming it, with the right password never shown', async () => {
    const ended = await runGateway(url(`:${PASSWORD}@`, 999));
    expect(ended.started).toBe(false);
    expect(ended.code).toBe(1);
    expect(ended.stderr.trim()).toBe(
      `REDIS_URL (redis://:***@127.0.0.1:${redis.port}/999): the Redis server refuses the gateway (ERR DB index is ` +
        'out of range). Set the database number in REDIS_URL (now 999) to one the server has (from 0 to its ' +
        "databases setting minus one: 0 to 15 by default), or raise the server's databases setting. A refusal is " +
        'a configuration error and stops the start (a Redis that is down or cannot be reached would not: the ' +
        'gateway would start, and wait for it).',
    );
    expect(ended.stdout + ended.stderr).not.toContain(PASSWORD);
    // Nothing was written, to that database or any other (ioredis goes on on database 0 otherwise).
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: PASSWORD });
    try {
      expect((await admin.info('keyspace')).trim()).toBe('# Keyspace');
    } finally {
      admin.disconnect();
    }
  }, 60_000);

  it('refuses the start when any one connection is refused (the rate limit’s), and leaves none open', async () => {
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: PASSWORD });
    const clients = async () => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))![1]);
    try {
      expect(await clients()).toBe(1);
      const settings = loadConfig({ ...ENV, LOG_LEVEL: 'silent', REDIS_URL: url(`:${PASSWORD}@`) });
      const started = composeGateway(settings, {
        logger: pino({ level: 'silent' }),
        listen: false,
        // Only the rate limit's connection (no offline queue, no command timeout) brings a wrong password.
        connectRedis: (redisUrl, options) =>
          connectRedis(
            options?.enableOfflineQueue === false && options.commandTimeout === undefined
              ? redisUrl.replace(PASSWORD, WRONG)
              : redisUrl,
            options,
          ),
      });
      const refused = await started.then(
        async (composed) => {
          await composed.close();
          return null;
        },
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StartError);
      expect((refused as Error).message).toMatch(
        /^REDIS_URL \(redis:\/\/:\*\*\*@.*\): the Redis server refuses the gateway \(WRONGPASS/,
      );
      await eventually(async () => ((await clients()) === 1 ? true : undefined), 5_000, 'every connection closed');
    } finally {
      admin.disconnect();
    }
  }, 60_000);
});

describe.skipIf(!REDIS_SERVER)(`a Redis down, silent or loading at start${REDIS_SERVER_SKIP_REASON}`, () => {
  let redis: RedisServerProcess;
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  it('starts while Redis is down, degraded, then is ready once Redis answers; the password never shown', async () => {
    redis = redisServerProcess(await freePort(), scratch);
    const redisUrl = `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`;
    gateway = await startGatewayProcess({ ...ENV, REDIS_URL: redisUrl });
    const degraded = await readyz(gateway.url);
    expect(degraded.status).toBe(200);
    expect(degraded.body.degraded).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);

    await redis.start(['--requirepass', PASSWORD]);
    await eventually(
      async () => {
        const r = await readyz(gateway!.url);
        return r.status === 200 && r.body.degraded === undefined ? r : undefined;
      },
      20_000,
      'ready without degradation once Redis answers',
    );
    await gateway.stop();
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('Redis connection lost; reconnecting');
    expect(gateway.output()).not.toContain(PASSWORD);
    await redis.stop();
  }, 90_000);

  it('starts when Redis’s port is open but nothing answers (a stopped process), degraded, within the start’s bound', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket.on('error', () => {}));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const settings = loadConfig({ ...ENV, LOG_LEVEL: 'silent', REDIS_URL: `redis://127.0.0.1:${port}/0` });
    const began = Date.now();
    const running = await startFromConfig(settings, pino({ level: 'silent' }));
    try {
      // The start waits at most 5 s for Redis's answer; ioredis alone would wait for ever (the port accepted).
      expect(Date.now() - began).toBeLessThan(15_000);
      const degraded = await readyz(running.url);
      expect(degraded.status).toBe(200);
      expect(degraded.body.degraded).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);
    } finally {
      // Gone first: a shutdown waits for a Redis that holds its connections without answering.
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await running.close();
    }
  }, 60_000);

  it('starts while Redis loads its data, without waiting for the load, degraded until it is loaded', async () => {
    // A dump of 20,000 keys that the restarted server loads slowly (400 µs a key: about 8 s).
    redis = redisServerProcess(await freePort(), scratch);
    await redis.start(['--dbfilename', 'loading.rdb']);
    const writer = new Redis({ port: redis.port, host: '127.0.0.1' });
    const pipeline = writer.pipeline();
    for (let i = 0; i < 20_000; i += 1) pipeline.set(`filler:${i}`, 'x');
    await pipeline.exec();
    await writer.save();
    writer.disconnect();
    await redis.stop();
    await redis.start([
      '--dbfilename',
      'loading.rdb',
      '--key-load-delay',
      '400',
      '--loading-process-events-interval-bytes',
      '1024',
    ]);

    const settings = loadConfig({ ...ENV, LOG_LEVEL: 'silent', REDIS_URL: `redis://127.0.0.1:${redis.port}/0` });
    const running = await startFromConfig(settings, pino({ level: 'silent' }));
    try {
      const probe = new Redis({ port: redis.port, host: '127.0.0.1', enableReadyCheck: false });
      const loading = /loading:1/.test(await probe.info('persistence'));
      probe.disconnect();
      expect(loading).toBe(true);
      const degraded = await readyz(running.url);
      expect(degraded.status).toBe(200);
      expect(degraded.body.degraded).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);
      await eventually(
        async () => ((await readyz(running.url)).body.degraded === undefined ? true : undefined),
        30_000,
        'ready once Redis has loaded its data',
      );
    } finally {
      await running.close();
    }
  }, 90_000);
});
