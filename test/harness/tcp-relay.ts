/**
 * A TCP relay to a real server (Redis, PostgreSQL) that a test can take down and bring back on the
 * same port, or arm to go down the moment a client writes something that matches (the bytes sent,
 * their answer never read): a server lost in the middle of what the client was doing.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  /** Listens (on the same port as before, after a close); does nothing when open. */
  open(): Promise<void>;
  /** Closes the port and cuts every connection through it. */
  close(): Promise<void>;
  /** The next write of a client that matches `pattern` closes the relay (and refuses connections until `open`). */
  downOnNext(pattern: RegExp): void;
  /** Resolves once an armed relay went down. */
  wentDown(): Promise<void>;
  /** The relay's port (the same across close and open). */
  port(): number;
  /** Connections accepted so far. */
  accepted(): number;
}

export function tcpRelay(target: { host: string; port: number }): TcpRelay {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let armed: RegExp | null = null;
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
      if (server) return resolve(); // already open
      server = createServer((client) => {
        accepted += 1;
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.on('data', (chunk: Buffer) => {
          if (armed?.test(chunk.toString('latin1'))) {
            armed = null;
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
    downOnNext(pattern) {
      armed = pattern;
      downPromise = new Promise<void>((resolve) => (down = resolve));
    },
    wentDown: () => downPromise,
    port: () => port,
    accepted: () => accepted,
  };
}
