/**
 * The gateway under test, alone in its own process (forked by fanout.ts), so that its CPU time and
 * memory are its own and not the load generator's. It is built by the composition root, as `npm start`
 * builds it (compose-gateway.ts: upstream client, in-process live updates, yoga, HTTP + graphql-ws) on 127.0.0.1, port 0, and answers the
 * parent's questions over IPC: memory after a full GC, CPU time, pollers alive, a CPU profile.
 *
 * Run with `--expose-gc` (the parent does) so that heap figures are after collection, not noise.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { composeGateway } from '../src/server/compose-gateway.js';

export interface GatewayProcessConfig {
  upstreamBaseUrl: string;
  intervalMs: number;
  grouping: boolean;
}

export type ParentMessage =
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'pollers' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; dir?: string | undefined; name: string }
  | { type: 'close' };

export interface MemoryReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'memory'; memory: MemoryReport }
  | { type: 'cpu'; userUs: number; systemUs: number }
  | { type: 'pollers'; count: number }
  | { type: 'profile-started' }
  | { type: 'profile-stopped'; path: string }
  | { type: 'closed' };

const config = JSON.parse(process.env['BENCH_GATEWAY'] ?? '{}') as GatewayProcessConfig;
const send = (message: ChildMessage) => process.send!(message);
const gc = (globalThis as { gc?: () => void }).gc;

// The gateway as `npm start` builds it (the composition root, production defaults), in front of the
// parent's upstream, with the bench's poll interval and a deadline that allows for a loaded machine.
const interval = String(config.intervalMs);
const composed = await composeGateway(
  loadConfig({
    NSCALE_API_URL: config.upstreamBaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0', // a free port, as for PORT: runs may overlap with another gateway on this machine
    UPSTREAM_DEADLINE_MS: '30000',
    POLL_INTERVAL_RUNNING_MS: interval,
    POLL_INTERVAL_QUEUED_MS: interval,
    POLL_INTERVAL_LIST_MS: interval,
    // The scenarios' subscribers share a few tokens (10,000 on one): past the default bound of 100 a token's are refused.
    CALLER_MAX_SUBSCRIPTIONS: String(Number.MAX_SAFE_INTEGER),
  }),
  { logger: pino({ level: 'silent' }), listen: { subscriptionGroups: config.grouping } },
);
const { live } = composed;
const server = composed.server!;
let profiler: Session | undefined;

process.on('message', (message: ParentMessage) => {
  void (async () => {
    switch (message.type) {
      case 'memory': {
        // Twice: the first pass may only queue finalizers whose memory the second frees.
        gc?.();
        gc?.();
        const m = process.memoryUsage();
        send({
          type: 'memory',
          memory: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers },
        });
        return;
      }
      case 'cpu': {
        const usage = process.cpuUsage();
        send({ type: 'cpu', userUs: usage.user, systemUs: usage.system });
        return;
      }
      case 'pollers':
        send({ type: 'pollers', count: live.pollerCount() });
        return;
      case 'profile-start':
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
        await profiler.post('Profiler.start');
        send({ type: 'profile-started' });
        return;
      case 'profile-stop': {
        const { profile } = await profiler!.post('Profiler.stop');
        profiler!.disconnect();
        profiler = undefined;
        const path = join(message.dir ?? tmpdir(), `${message.name}.cpuprofile`);
        await writeFile(path, JSON.stringify(profile));
        send({ type: 'profile-stopped', path });
        return;
      }
      case 'close':
        await composed.close();
        send({ type: 'closed' });
        process.disconnect();
        return;
    }
  })();
});
// The parent gone (it crashed or was killed): nothing is left to serve.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', url: server.url });
