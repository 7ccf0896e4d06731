/**
 * The gateway as its own process (`node --import tsx src/server/main.ts`, or `args` given to node, e.g.
 * the production start's; without npm in between so that a signal reaches it), on port 0, configured by
 * `env` over the test's environment. Its output is kept for assertions (pino writes one JSON object per line).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GatewayProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything written to stdout so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM if still running, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(
  env: Record<string, string>,
  args: readonly string[] = ['--import', 'tsx', 'src/server/main.ts'],
): Promise<GatewayProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env };
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /(?:GraphiQL|GraphQL): (http:\/\/[^\s]+)\/graphql/.exec(out);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve(match[1]!.replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`the gateway exited (${code}) before listening: ${err}`)));
  });
  return {
    child,
    url,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The objects of a process's pino output whose `msg` is `msg`. */
export function logLines(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);
}
