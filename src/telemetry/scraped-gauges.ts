/**
 * The gateway's gauges read at each scrape rather than set as things happen: the live-update hubs'
 * pollers, leases and streams (summed over the hubs, one per provider), and the transports' open
 * WebSockets, SSE streams and TCP connections; and the count of connections closed by a limit. Part of
 * the gateway's metrics (gateway-metrics.ts), on its registry.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What the live-updates hub shows of itself, read at each scrape. */
export interface LiveUpdatesGauges {
  pollerCount(): number;
  listPollerCount(): number;
  streamCount(): number;
  heldLeaseCount(kind: 'job' | 'jobs'): number;
}

/** What the transports show of themselves, read at each scrape. */
export interface ConnectionGauges {
  webSockets(): number;
  eventStreams(): number;
  /** TCP connections of the HTTP/WebSocket server (src/server/connection-limits.ts). */
  tcp(): number;
}

/** The limits that close a connection (src/server/connection-limits.ts, ws/idle-sockets.ts). */
export type ConnectionLimitName =
  | 'max_connections'
  | 'max_connections_per_address'
  | 'ws_max_message_bytes'
  | 'ws_unauthenticated_idle'
  | 'ws_ping_timeout';

/** The live-update gauges, summed over every hub watched (one per provider). */
function liveGauges(registers: Registry[]): GatewayMetrics['watchLiveUpdates'] {
  const hubs: LiveUpdatesGauges[] = [];
  const sum = (read: (hub: LiveUpdatesGauges) => number) => hubs.reduce((n, hub) => n + read(hub), 0);
  new Gauge({
    name: 'gateway_live_pollers',
    help: 'Live-update pollers alive in this instance, by topic kind (job: one per watched job; jobs: one per organization list)',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.set(
        { kind: 'job' },
        sum((hub) => hub.pollerCount()),
      );
      this.set(
        { kind: 'jobs' },
        sum((hub) => hub.listPollerCount()),
      );
    },
  });
  new Gauge({
    name: 'gateway_live_leases_held',
    help: 'Poll leases this instance holds, by topic kind (with Redis, one instance holds each; in-process, every poller holds its own)',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.set(
        { kind: 'job' },
        sum((hub) => hub.heldLeaseCount('job')),
      );
      this.set(
        { kind: 'jobs' },
        sum((hub) => hub.heldLeaseCount('jobs')),
      );
    },
  });
  new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'Subscription streams open in this instance (identical WebSocket subscriptions grouped into one execution count once)',
    registers,
    collect() {
      this.set(sum((hub) => hub.streamCount()));
    },
  });
  return (hub) => {
    if (!hubs.includes(hub)) hubs.push(hub);
  };
}

/** Gauges read at each scrape from the hubs and the transports, once they are given. */
export function scrapedGauges(
  registers: Registry[],
): Pick<GatewayMetrics, 'watchLiveUpdates' | 'watchConnections' | 'connectionClosedByLimit'> {
  const watchLiveUpdates = liveGauges(registers);
  let connections: ConnectionGauges | null = null;
  new Gauge({
    name: 'gateway_websocket_connections',
    help: 'Open WebSocket (graphql-ws) connections',
    registers,
    collect() {
      this.set(connections?.webSockets() ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_sse_connections',
    help: 'Open SSE (text/event-stream) responses',
    registers,
    collect() {
      this.set(connections?.eventStreams() ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_tcp_connections',
    help: 'Open TCP connections of the HTTP/WebSocket server (capped by MAX_CONNECTIONS)',
    registers,
    collect() {
      this.set(connections?.tcp() ?? 0);
    },
  });
  const closedByLimit = new Counter({
    name: 'gateway_connections_closed_by_limit_total',
    help:
      'Connections closed by a limit: max_connections, max_connections_per_address, ws_max_message_bytes, ' +
      'ws_unauthenticated_idle, ws_ping_timeout',
    labelNames: ['limit'] as const,
    registers,
  });
  return {
    connectionClosedByLimit(limit) {
      closedByLimit.labels({ limit }).inc();
    },
    watchLiveUpdates,
    watchConnections(value) {
      connections = value;
    },
  };
}
