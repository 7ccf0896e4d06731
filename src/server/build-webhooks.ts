/**
 * Webhooks, assembled from the settings for the composition root (build-backends.ts): the store on
 * the configured database (webhook-database.ts: PostgreSQL, or the embedded PGlite opened when first
 * needed), the outbound dispatcher that refuses non-public addresses at connect time, the watcher
 * (each endpoint's job list, through every provider's live updates), the delivery worker (and a warning
 * naming the stored endpoints the URL policy now refuses), the hourly
 * deletion of deliveries past their retention, and what the resolvers reach (`WebhookServices`). Null
 * when WEBHOOKS_ENABLED is false. `stopClaiming()` is a shutdown's first step (no attempt begins
 * after it; those in flight go on); `close()` stops watching and sending (waiting for attempts in
 * flight), then closes the store (unless it was handed in) and the dispatcher.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Settings } from '../config.js';
import type { LiveUpdates } from '../live/hub.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { WebhookServices } from '../resolvers/webhooks/webhook-services.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { startDeliveryRetention } from '../webhooks/delivery-retention.js';
import { createDeliveryWorker, type DeliveryWorker } from '../webhooks/delivery-worker.js';
import { retryAt } from '../webhooks/outbound/retry-at.js';
import { sendWebhook } from '../webhooks/outbound/send-webhook.js';
import { createWebhookDispatcher } from '../webhooks/outbound/webhook-dispatcher.js';
import type { FullJobRead } from '../webhooks/failure-reason.js';
import { warnRefusedEndpoints } from '../webhooks/refused-endpoints.js';
import { createWebhookWatcher, type WebhookWatcher } from '../webhooks/watcher.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';
import { webhookApiServices } from './webhook-api-services.js';
import { openWebhookDatabase } from './webhook-database.js';

/** How long a claimed delivery stays this instance's beyond the attempt's own deadline. */
const LEASE_MARGIN_MS = 5_000;
/** Attempts one instance has in flight at once. */
const CONCURRENCY = 16;
/**
 * Fairness of those slots (claim-due.ts): at most 2 attempts in flight per endpoint across the
 * fleet (one slow answer does not stop the next delivery, and the endpoint's deliveries stay nearly
 * in order), and at most a quarter of an instance's slots per owner, so that an owner whose endpoints
 * never answer leaves the other three quarters to everyone else.
 */
const CLAIM_CAPS = { perEndpoint: 2, perOwner: CONCURRENCY / 4 };
/**
 * How long an answer's body is read once its status and headers have come (at most until the
 * attempt's deadline): a 2xx is delivered whatever follows, and a receiver that drips its body
 * must not hold a slot for the whole WEBHOOK_ATTEMPT_TIMEOUT_MS.
 */
const BODY_WAIT_MS = 1_000;
/** How often each instance deletes the deliveries past WEBHOOK_DELIVERY_RETENTION_MS (at most: the retention, if shorter). */
const RETENTION_SWEEP_MS = 3_600_000;

export interface WebhookRuntime {
  services: WebhookServices;
  store: WebhookStore;
  /** Null when built without delivery. */
  watcher: WebhookWatcher | null;
  worker: DeliveryWorker | null;
  /**
   * Stops starting webhook attempts, at once (DeliveryWorker.stopClaiming): called where a shutdown
   * begins, before the HTTP drain, so that no attempt begins that the forced exit may cut before its
   * outcome is recorded (the receiver would get it twice). Attempts in flight go on and are recorded
   * until `close()`; the watcher goes on recording the jobs' moves, for the other instances to send.
   */
  stopClaiming(): void;
  close(): Promise<void>;
}

export interface WebhookParts {
  logger: Logger;
  /** Each enabled provider's live updates. */
  hubs: ReadonlyMap<ProviderName, LiveUpdates>;
  metrics: GatewayMetrics | null;
  now: () => number;
  /** A store made by the caller (tests), who closes it; the settings' database otherwise. */
  store?: WebhookStore | undefined;
  /** Whether to watch and send (false: the API alone, for its specs). */
  deliver: boolean;
  /** Each provider's read of a job in full, for the watcher (a failed job its list shows without why). */
  fullJobs?: Partial<Record<ProviderName, FullJobRead>>;
  /** What attempts connect through, made by the caller (specs), who closes it; the guarded dispatcher otherwise. */
  dispatcher?: Dispatcher | undefined;
}

export async function buildWebhooks(
  settings: Pick<Settings, 'webhooks' | 'database'>,
  parts: WebhookParts,
): Promise<WebhookRuntime | null> {
  const config = settings.webhooks;
  if (!config) return null;
  const logger = parts.logger.child({ component: 'webhooks' });
  const store =
    parts.store ?? (await openWebhookDatabase(settings.database, { logger, encryptionKey: config.encryptionKey }));
  const delivery = parts.deliver ? startDelivery(config, store, parts, logger) : null;
  const services: WebhookServices = {
    ...(webhookApiServices(settings, {
      store,
      now: parts.now,
      ...(delivery ? { onEndpointsChanged: () => void delivery.watcher.refresh() } : {}),
    }) as WebhookServices),
    logger,
  };
  return {
    services,
    store,
    watcher: delivery?.watcher ?? null,
    worker: delivery?.worker ?? null,
    stopClaiming: () => delivery?.worker.stopClaiming(),
    async close() {
      await delivery?.close();
      if (!parts.store) await store.close();
    },
  };
}

type WebhookConfig = NonNullable<Settings['webhooks']>;

/** The watcher and the delivery worker of this instance, on `store`. */
function startDelivery(config: WebhookConfig, store: WebhookStore, parts: WebhookParts, logger: Logger) {
  const dispatcher =
    parts.dispatcher ??
    createWebhookDispatcher({
      allowedHosts: config.allowedHosts,
      attemptTimeoutMs: config.attemptTimeoutMs,
      // The attempt's record names no address (its owner reads it); the operator's log does.
      onRefused: (problem) => logger.info({ problem }, 'webhook connection refused: the address is not public'),
    });
  const instanceId = randomUUID();
  logger.info({ instanceId }, 'webhook deliveries: this instance claims deliveries as this id');
  void warnRefusedEndpoints(store, config, logger);
  const worker = createDeliveryWorker({
    store,
    send: (claim, signingSecrets, at) =>
      sendWebhook({
        url: claim.url,
        id: claim.id,
        timestamp: at,
        body: claim.body,
        signingSecrets,
        timeoutMs: config.attemptTimeoutMs,
        maxResponseBytes: config.maxResponseBytes,
        bodyWaitMs: BODY_WAIT_MS,
        allowedHosts: config.allowedHosts,
        allowedPorts: config.allowedPorts,
        dispatcher,
      }),
    retryAt: (attempt, at) => retryAt(attempt, config.retryScheduleMs, at),
    instanceId,
    scanMs: config.scanMs,
    leaseMs: config.attemptTimeoutMs + LEASE_MARGIN_MS,
    concurrency: CONCURRENCY,
    caps: CLAIM_CAPS,
    now: parts.now,
    logger,
    ...(parts.metrics ? { onOutcome: parts.metrics.webhookAttempt } : {}),
  });
  parts.metrics?.watchWebhookBacklog(async () => {
    const [due, pending] = await Promise.all([store.dueBacklog(new Date(parts.now())), store.pendingBacklog()]);
    return { ...due, ...pending };
  }, parts.now);
  const watcher = createWebhookWatcher({
    store,
    hubs: parts.hubs,
    now: parts.now,
    rescanMs: config.endpointRescanMs,
    logger,
    onDeliveries: worker.kick,
    ...(parts.metrics ? { onPaused: parts.metrics.webhookEndpointPaused } : {}),
    ...(parts.fullJobs ? { fullJobs: parts.fullJobs } : {}),
  });
  const retention = startDeliveryRetention({
    store,
    retentionMs: config.deliveryRetentionMs,
    everyMs: Math.min(RETENTION_SWEEP_MS, config.deliveryRetentionMs),
    now: parts.now,
    logger,
    ...(parts.metrics ? { onDeleted: parts.metrics.webhookDeliveriesDeleted } : {}),
  });
  return {
    watcher,
    worker,
    async close() {
      // Watching first: no more deliveries recorded; then the attempts in flight finish.
      await watcher.close();
      await worker.close();
      await retention.close();
      if (!parts.dispatcher) await dispatcher.close();
    },
  };
}
