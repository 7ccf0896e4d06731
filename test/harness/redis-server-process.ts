/**
 * A redis-server of a spec's own, apart from the shared one at REDIS_URL: on a free loopback port,
 * with the settings the spec needs (`--requirepass`, `--databases`), stopped and started again on the
 * same port with others (a Redis restarted with another password, or still loading its data). Specs
 * that use one skip where redis-server is not installed, saying why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

/** True when `redis-server` runs here. */
export const REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;

/** Appended to the title of a skipped suite: why it was skipped and how to run it. */
export const REDIS_SERVER_SKIP_REASON = REDIS_SERVER
  ? ''
  : ' (SKIPPED: redis-server is not installed; `apt-get install -y redis-server` brings it)';

/** A loopback port nothing listens on: bound, noted, released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServerProcess {
  port: number;
  /** Starts it with `args` (after a stop: again, on the same port); resolves once its port accepts connections. */
  start(args?: readonly string[]): Promise<void>;
  /** SIGTERM, then waits for the exit (nothing is saved: no save points). */
  stop(): Promise<void>;
}

/** A redis-server on `port`, its files (when a spec saves some) in `dir`. Not started yet. */
export function redisServerProcess(port: number, dir: string): RedisServerProcess {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  return {
    port,
    async start(args = []) {
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      let output = '';
      started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      for (;;) {
        if (started.exitCode !== null) throw new Error(`redis-server exited at start: ${output}`);
        if (await accepts(port)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      child = null;
    },
  };
}

/** Whether something accepts a TCP connection on the loopback `port` (Redis does while it loads its data). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
