/**
 * The webhooks' metrics: the backlog every instance shares (read from the store at each scrape), and
 * the counters of attempts, paused endpoints and deleted deliveries. Part of the gateway's metrics
 * (gateway-metrics.ts), on its registry.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * How long a scrape waits for the backlog (the store's read of deliveries due). A database that does
 * not answer would otherwise hold the whole scrape until the store's own bound (its connection or query
 * timeout, 5–10 s): Prometheus's default scrape timeout is 10 s, and a scrape that times out loses all
 * of the instance's metrics. The read is one count on the due index, milliseconds when the database
 * answers; past 1.5 s the gauges read NaN, and the rest of the metrics are served.
 */
export const BACKLOG_READ_TIMEOUT_MS = 1_500;

/**
 * What the store shows of the backlog at a scrape: the deliveries due and waiting for an attempt, and
 * those not yet delivered (waiting for a retry and in flight included; absent: not read, NaN).
 */
export interface WebhookBacklog {
  due: number;
  oldestDueAt: Date | null;
  pending?: number;
  oldestPendingAt?: Date | null;
}

interface BacklogReading {
  due: number;
  waitedSeconds: number;
  pending: number;
  pendingSeconds: number;
}

/** One read at a time, shared by the gauges and by scrapes that come while it is under way; NaN past BACKLOG_READ_TIMEOUT_MS. */
function backlogReader(): {
  watch: (read: () => Promise<WebhookBacklog>, now: () => number) => void;
  read: () => Promise<BacklogReading | null>;
} {
  let backlog: { read: () => Promise<WebhookBacklog>; now: () => number } | null = null;
  let reading: Promise<BacklogReading | null> | null = null;
  // Read at each scrape, from the store every instance shares; a store that cannot be read gives NaN, not a reassuring 0.
  const read = async (): Promise<BacklogReading | null> => {
    if (!backlog) return null;
    try {
      const { due, oldestDueAt, pending, oldestPendingAt } = await backlog.read();
      const since = (at: Date | null | undefined) =>
        at === undefined ? Number.NaN : at === null ? 0 : Math.max(0, (backlog!.now() - at.getTime()) / 1000);
      return {
        due,
        waitedSeconds: since(oldestDueAt),
        pending: pending ?? Number.NaN,
        pendingSeconds: since(oldestPendingAt),
      };
    } catch {
      return null;
    }
  };
  return {
    watch: (readBacklog, now) => void (backlog = { read: readBacklog, now }),
    // A database that does not answer is not asked again at each scrape; a scrape waits for it at most
    // BACKLOG_READ_TIMEOUT_MS, then reads NaN.
    read() {
      reading ??= read().finally(() => (reading = null));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, BACKLOG_READ_TIMEOUT_MS, null)));
      return Promise.race([reading, late]).finally(() => clearTimeout(timer));
    },
  };
}

/** The backlog's gauges, each read from `reading` at a scrape. */
function backlogGauges(registers: Registry[], reading: () => Promise<BacklogReading | null>): void {
  const gauges: Array<[string, string, (r: BacklogReading) => number]> = [
    [
      'gateway_webhook_deliveries_due',
      'Webhook deliveries due and not yet being attempted, all instances (read from the store at each scrape)',
      (r) => r.due,
    ],
    [
      'gateway_webhook_oldest_due_seconds',
      'Seconds the oldest webhook delivery due has waited for an attempt, all instances (0: none waits); ' +
        'a delivery waiting for its retry is not due (see gateway_webhook_oldest_pending_seconds)',
      (r) => r.waitedSeconds,
    ],
    [
      'gateway_webhook_deliveries_pending',
      'Webhook deliveries not yet delivered to endpoints that send, all instances: due, in flight, or ' +
        'waiting for a retry (counted up to 10,000 per endpoint)',
      (r) => r.pending,
    ],
    [
      'gateway_webhook_oldest_pending_seconds',
      'Seconds since the oldest webhook delivery not yet delivered was recorded, all instances (0: none); ' +
        'grows while a receiver fails every attempt: alert on it',
      (r) => r.pendingSeconds,
    ],
  ];
  for (const [name, help, value] of gauges)
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const read = await reading();
        this.set(read ? value(read) : Number.NaN);
      },
    });
}

/** The webhooks' counters: attempts by outcome, endpoints paused, deliveries deleted past their retention. */
export function webhookMetrics(
  registers: Registry[],
): Pick<
  GatewayMetrics,
  'webhookAttempt' | 'webhookEndpointPaused' | 'webhookDeliveriesDeleted' | 'watchWebhookBacklog'
> {
  const backlog = backlogReader();
  backlogGauges(registers, backlog.read);
  const webhookAttempts = new Counter({
    name: 'gateway_webhook_attempts_total',
    help:
      'Webhook delivery attempts recorded, by outcome (delivered: 2xx; failed: another answer, a ' +
      'timeout, a refused address or connection, a redirect; refused: not sent, the URL policy refusing ' +
      "the endpoint's stored URL (WEBHOOK_ALLOWED_PORTS, WEBHOOK_ALLOWED_HOSTS narrowed since its " +
      'registration); gone: 410, which disables the endpoint; ' +
      'interrupted: its instance stopped before the outcome, counted by the instance that took the delivery over)',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of ['delivered', 'failed', 'refused', 'gone', 'interrupted'])
    webhookAttempts.labels({ outcome }).inc(0);
  const webhookPauses = new Counter({
    name: 'gateway_webhook_endpoints_paused_total',
    help: 'Webhook endpoints paused because the upstream refused the credentials stored for them (401, 403)',
    registers,
  });
  const webhookDeleted = new Counter({
    name: 'gateway_webhook_deliveries_deleted_total',
    help: 'Finished webhook deliveries deleted with their attempts past WEBHOOK_DELIVERY_RETENTION_MS, by this instance',
    registers,
  });
  return {
    watchWebhookBacklog: backlog.watch,
    webhookAttempt: (outcome) => webhookAttempts.inc({ outcome }),
    webhookEndpointPaused: () => webhookPauses.inc(),
    webhookDeliveriesDeleted: (count) => webhookDeleted.inc(count),
  };
}
