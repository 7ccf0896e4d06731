/**
 * The webhooks' watcher and delivery worker (src/webhooks) run beside a test stack, on its store and
 * its live updates, with the real sender (signing, the connect-time address check): what the
 * composition root runs on every instance. For the API's specs, which need real deliveries to a
 * receiver while the API and the page are what is under test.
 */
import { pino } from 'pino';
import type { LiveUpdates } from '../../src/live/hub.js';
import { createDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { retryAt } from '../../src/webhooks/outbound/retry-at.js';
import { sendWebhook } from '../../src/webhooks/outbound/send-webhook.js';
import { createWebhookDispatcher } from '../../src/webhooks/outbound/webhook-dispatcher.js';
import { createWebhookWatcher } from '../../src/webhooks/watcher.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';

export interface DeliveryLoop {
  /** Re-reads the endpoints now (after the API changed one). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export function startDeliveryLoop(options: {
  store: WebhookStore;
  /** Nscale's live updates (the stack's `live`). */
  live: LiveUpdates;
  allowedHosts: string[];
  retryScheduleMs: number[];
}): DeliveryLoop {
  const logger = pino({ level: 'silent' });
  const timeoutMs = 5_000;
  const dispatcher = createWebhookDispatcher({ allowedHosts: options.allowedHosts, attemptTimeoutMs: timeoutMs });
  const worker = createDeliveryWorker({
    store: options.store,
    send: (claim, signingSecrets, at) =>
      sendWebhook({
        url: claim.url,
        id: claim.id,
        timestamp: at,
        body: claim.body,
        signingSecrets,
        timeoutMs,
        maxResponseBytes: 1_024,
        allowedHosts: options.allowedHosts,
        dispatcher,
      }),
    retryAt: (attempt, at) => retryAt(attempt, options.retryScheduleMs, at),
    instanceId: 'spec-instance',
    scanMs: 100,
    leaseMs: timeoutMs + 5_000,
    concurrency: 4,
    now: Date.now,
    logger,
  });
  const watcher = createWebhookWatcher({
    store: options.store,
    hubs: new Map([['nscale', options.live]]),
    now: Date.now,
    rescanMs: 200,
    logger,
    onDeliveries: () => worker.kick(),
  });
  return {
    refresh: () => watcher.refresh(),
    async close() {
      await watcher.close();
      await worker.close();
      await dispatcher.close();
    },
  };
}
