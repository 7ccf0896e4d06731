/**
 * A proxy in front of the simulator that can hold requests back: `hold(pattern, count)` keeps every
 * request whose `METHOD path` matches until `count` of them have arrived, then lets them all through.
 * A query that makes those calls one after the other never gets its first answer, so it can only
 * succeed if all `count` calls were in flight at once: concurrency proved by counting, not by timing.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedUpstream {
  /** The simulator's `apiBaseUrl`, through the proxy. */
  apiBaseUrl: string;
  /** Holds the next `count` requests matching `pattern` until all of them have arrived. */
  hold(pattern: RegExp, count: number): void;
  close(): Promise<void>;
}

export async function startGatedUpstream(simulatorOrigin: string): Promise<GatedUpstream> {
  const target = new URL(simulatorOrigin);
  const gates: Array<{ pattern: RegExp; count: number; waiting: Array<() => void> }> = [];

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    const gate = gates.find((g) => g.pattern.test(line) && g.waiting.length < g.count);
    if (!gate) return forward(req, res);
    req.pause();
    gate.waiting.push(() => {
      req.resume();
      forward(req, res);
    });
    if (gate.waiting.length === gate.count) {
      gates.splice(gates.indexOf(gate), 1);
      for (const release of gate.waiting) release();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v1`,
    hold: (pattern, count) => void gates.push({ pattern, count, waiting: [] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
