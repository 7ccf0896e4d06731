/**
 * A TCP relay to the real Redis (REDIS_URL) that a test can take down and bring back on the same
 * port, or arm to go down the moment a client writes a SUBSCRIBE (the command sent, its answer never
 * read): a Redis lost right after a reconnection, while the client resubscribes.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { REDIS_URL } from './redis-available.js';

export interface RedisRelay {
  open(): Promise<void>;
  close(): Promise<void>;
  /** The next SUBSCRIBE a client writes closes the relay (and refuses connections until `open`). */
  downOnNextSubscribe(): void;
  /** Resolves once an armed relay went down. */
  wentDown(): Promise<void>;
  url(): string;
  /** Connections accepted so far. */
  accepted(): number;
}

export function redisRelay(): RedisRelay {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let armed = false;
  let accepted = 0;
  let down: () => void = () => {};
  let downPromise = new Promise<void>((resolve) => (down = resolve));

  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    });

  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        accepted += 1;
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.on('data', (chunk: Buffer) => {
          if (armed && /subscribe/i.test(chunk.toString('latin1'))) {
            armed = false;
            void close().then(down);
            return;
          }
          upstream.write(chunk);
        });
        upstream.pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });

  return {
    open,
    close,
    downOnNextSubscribe() {
      armed = true;
      downPromise = new Promise<void>((resolve) => (down = resolve));
    },
    wentDown: () => downPromise,
    url: () => `redis://127.0.0.1:${port}`,
    accepted: () => accepted,
  };
}
