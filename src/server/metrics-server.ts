/**
 * The metrics listener: Prometheus's text format at one path, on a port and interface of its own
 * (METRICS_PORT, METRICS_HOST: loopback unless the operator opens it), never on the public port that
 * the balancer forwards. What the metrics show (operation names, upstream routes, the breaker's state)
 * is for operators; and a scrape through a balancer would land on a different instance each time.
 *
 * Only `GET`/`HEAD` of the path answer; everything else is 404, and nothing of the GraphQL side runs
 * here, so that a scrape costs the gateway nothing but the registry's serialisation.
 *
 * A scrape whose metrics cannot be collected (a collector failing; a text past V8's longest string)
 * is answered 500 and logged at error, with the error: Prometheus only says that the target is down.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  /** METRICS_PATH. @default /metrics */
  path?: string;
  /** METRICS_PORT; 0 picks a free port. */
  port: number;
  /** METRICS_HOST. @default 127.0.0.1 */
  host?: string;
  /** Where a failed scrape is logged: the gateway's logger. @default a logger of its own on stdout, at error */
  logger?: Pick<Logger, 'error'>;
}

export interface RunningMetricsServer {
  server: Server;
  /** `http://host:port/path` as bound (port 0 resolved): what Prometheus scrapes. */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const { registry } = options;
  const path = options.path ?? '/metrics';
  const logger = options.logger ?? pino({ level: 'error' });
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Not found: metrics are at ${path}\n`);
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? '' : text),
      (error: unknown) => {
        logger.error({ err: error, path }, 'metrics: could not be collected; the scrape was answered 500');
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The metrics could not be collected.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
