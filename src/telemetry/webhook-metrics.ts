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

/** The webhooks' counters: attempts by outcome, endpoints paused, deliveries deleted past their retention. */
export function webhookMetrics(
  registers: Registry[],
): Pick<
  GatewayMetrics,
  'webhookAttempt' | 'webhookEndpointPaused' | 'webhookDeliveriesDeleted' | 'watchWebhookBacklog'
> {
  let backlog: { read: () => Promise<{ due: number; oldestDueAt: Date | null }>; now: () => number } | null = null;
  let reading: Promise<{ due: number; waitedSeconds: number } | null> | null = null;
  // Read at each scrape, from the store every instance shares; a store that cannot be read gives NaN, not a reassuring 0.
  const read = async (): Promise<{ due: number; waitedSeconds: number } | null> => {
    if (!backlog) return null;
    try {
      const { due, oldestDueAt } = await backlog.read();
      return { due, waitedSeconds: oldestDueAt ? Math.max(0, (backlog.now() - oldestDueAt.getTime()) / 1000) : 0 };
    } catch {
      return null;
    }
  };
  // One read at a time, shared by both gauges and by scrapes that come while it is under way (a
  // database that does not answer is not asked again at each scrape); a scrape waits for it at most
  // BACKLOG_READ_TIMEOUT_MS, then reads NaN.
  const readBacklog = () => {
    reading ??= read().finally(() => (reading = null));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, BACKLOG_READ_TIMEOUT_MS, null)));
    return Promise.race([reading, late]).finally(() => clearTimeout(timer));
  };
  new Gauge({
    name: 'gateway_webhook_deliveries_due',
    help: 'Webhook deliveries due and not yet being attempted, all instances (read from the store at each scrape)',
    registers,
    async collect() {
      this.set((await readBacklog())?.due ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'gateway_webhook_oldest_due_seconds',
    help: 'Seconds the oldest webhook delivery due has waited for an attempt, all instances (0: none waits); alert on it',
    registers,
    async collect() {
      this.set((await readBacklog())?.waitedSeconds ?? Number.NaN);
    },
  });
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
    watchWebhookBacklog: (read, now) => void (backlog = { read, now }),
    webhookAttempt: (outcome) => webhookAttempts.inc({ outcome }),
    webhookEndpointPaused: () => webhookPauses.inc(),
    webhookDeliveriesDeleted: (count) => webhookDeleted.inc(count),
  };
}
