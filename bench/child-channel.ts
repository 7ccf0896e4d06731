/**
 * A benchmark's helper process (an upstream) forked through tsx, and its IPC channel: wait for its
 * `ready` message, ask it something and wait for the reply of the named type, close it (a close
 * message, then SIGKILL after 5 s). Any message whose type is not awaited is ignored.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildChannel<Request, Reply extends { type: string }> {
  child: ChildProcess;
  /** The child's `ready` message; rejects if it exits first. */
  ready(): Promise<Extract<Reply, { type: 'ready' }>>;
  ask<T extends Reply['type']>(message: Request, reply: T): Promise<Extract<Reply, { type: T }>>;
  close(message: Request): Promise<void>;
}

/** Forks `file` (a TypeScript module) with `env` added to this process's environment. */
export function forkChannel<Request, Reply extends { type: string }>(
  file: string,
  env: Record<string, string>,
): ChildChannel<Request, Reply> {
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends Reply['type']>(message: Request | undefined, reply: T) =>
    new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${file} exited (${code}) while awaited for ${reply}`));
      const onMessage = (m: Reply) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<Reply, { type: T }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (message !== undefined) child.send(message as object);
    });
  return {
    child,
    ready: () => ask(undefined, 'ready'),
    ask: (message, reply) => ask(message, reply),
    async close(message) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send(message as object);
      await Promise.race([gone, sleep(5_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
