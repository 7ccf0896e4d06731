/**
 * A pass-through HTTP proxy between the gateway and the simulator that notes when each answer about
 * a job has been handed back to the gateway. Fan-out latency is measured from there: from the moment
 * the gateway holds the new state of a job (its poll's `GET /jobs/{id}/metrics` answered) to the moment
 * each subscriber has it, so the random wait for the next poll (0 to one interval) is not counted.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamProbe {
  /** Base URL for the gateway: the simulator's `apiBaseUrl`, through the probe. */
  apiBaseUrl: string;
  /** When the first metrics answer for `jobId` at or after `since` (performance.now()) finished, or undefined. */
  metricsAnsweredAfter(jobId: string, since: number): number | undefined;
  /**
   * Resolves at a moment when no request is in flight. A change made then (synchronously) is seen
   * by every request that finishes after it, so "the first answer after the change" is exact.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const METRICS = /\/jobs\/([^/]+)\/metrics$/;

export async function startUpstreamProbe(simulatorOrigin: string): Promise<UpstreamProbe> {
  const target = new URL(simulatorOrigin);
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  // A few answers per job are enough: only the latest ones are ever asked about.
  const answered = new Map<string, number[]>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && waiters.length > 0) {
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      }
    });
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
    const jobId = req.method === 'GET' ? METRICS.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1] : undefined;
    if (jobId !== undefined) {
      res.on('finish', () => {
        const times = answered.get(jobId) ?? [];
        times.push(performance.now());
        if (times.length > 16) times.shift();
        answered.set(jobId, times);
      });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v1`,
    metricsAnsweredAfter: (jobId, since) => answered.get(jobId)?.find((t) => t >= since),
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
