/**
 * deploy/nginx.conf run by the machine's nginx on loopback. The copy is derived from the shipped file
 * by substitution, and only where loopback needs it: the listen port, the upstream servers, and the
 * pid, error log, access log and temporary folders (in a scratch folder, not /var). Every header and
 * location directive stays as shipped, so the test fails if the shipped directives regress; each
 * substitution must match exactly as often as expected, so a reshaped file fails loudly here rather
 * than being tested in a form it no longer has.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's path first (not on every user's PATH), then whatever PATH finds; null when there is none. */
export function findNginx(): string | null {
  if (existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

/** Replaces `pattern` (global) and insists it matched `times` times. */
function substitute(text: string, pattern: RegExp, times: number, replace: (match: string, index: number) => string) {
  let n = 0;
  const out = text.replace(pattern, (match) => replace(match, n++));
  if (n !== times) throw new Error(`deploy/nginx.conf: expected ${times} match(es) of ${pattern}, found ${n}`);
  return out;
}

export function loopbackConfig(shipped: string, options: { port: number; upstreams: string[]; scratch: string }) {
  const { port, upstreams, scratch } = options;
  let conf = substitute(shipped, /^[ \t]*listen 8080;$/m, 1, (m) =>
    m.replace('listen 8080;', `listen 127.0.0.1:${port};`),
  );
  conf = substitute(conf, /^[ \t]*server gateway-\d+:4000;$/gm, upstreams.length, (m, i) =>
    m.replace(/server \S+;/, `server ${upstreams[i]};`),
  );
  conf = substitute(
    conf,
    /^http \{$/m,
    1,
    (m) =>
      `${m}\n` +
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((kind) => `  ${kind}_temp_path ${join(scratch, `${kind}_temp`)};\n`)
        .join(''),
  );
  conf = substitute(conf, /^[ \t]*access_log \/dev\/stdout gateway;$/m, 1, (m) =>
    m.replace('/dev/stdout', join(scratch, 'access.log')),
  );
  return `pid ${join(scratch, 'nginx.pid')};\nerror_log ${join(scratch, 'error.log')} warn;\n${conf}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export interface Balancer {
  port: number;
  /** The configuration nginx runs, for a failure message. */
  config: string;
  /** What nginx wrote to its access log so far (the shipped format, in a file here rather than on stdout). */
  accessLog(): string;
  stop(): Promise<void>;
}

/** nginx in the foreground on the derived configuration, in front of `upstreams` (`127.0.0.1:port`). */
export async function startBalancer(nginx: string, shipped: string, upstreams: string[]): Promise<Balancer> {
  const scratch = mkdtempSync(join(tmpdir(), 'nginx-balancer-'));
  // Run as root, nginx's workers run as `nobody`: they must reach the temporary folders in here.
  chmodSync(scratch, 0o755);
  const port = await freePort();
  const config = loopbackConfig(shipped, { port, upstreams, scratch });
  const file = join(scratch, 'nginx.conf');
  writeFileSync(file, config);
  const child: ChildProcess = spawn(
    nginx,
    ['-p', scratch, '-e', join(scratch, 'error.log'), '-c', file, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () =>
    `${stderr}${existsSync(join(scratch, 'error.log')) ? readFileSync(join(scratch, 'error.log')) : ''}`;
  for (let i = 0; !(await accepts(port)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start on 127.0.0.1:${port}: ${log()}\n--- configuration ---\n${config}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    config,
    accessLog: () => (existsSync(join(scratch, 'access.log')) ? readFileSync(join(scratch, 'access.log'), 'utf8') : ''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
