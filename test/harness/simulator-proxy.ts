/**
 * The common part of the test proxies in front of the simulator (echoing-upstream.ts,
 * gated-upstream.ts): a local server whose requests a proxy either answers itself or forwards.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatorProxy {
  /** The simulator's `apiBaseUrl`, through the proxy. */
  apiBaseUrl: string;
  close(): Promise<void>;
}

/** Forwards `req` to the simulator and its answer back; `body`: the request's body, when already read. */
export type Forward = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void;

export async function startSimulatorProxy(
  simulatorOrigin: string,
  handle: (req: IncomingMessage, res: ServerResponse, forward: Forward) => void,
): Promise<SimulatorProxy> {
  const target = new URL(simulatorOrigin);
  const forward: Forward = (req, res, body) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };
  const server = createServer((req, res) => handle(req, res, forward));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
