/**
 * Retention of finished deliveries, on every instance: at start and then every `everyMs`, deletes
 * from the store the deliveries finished and untouched for `retentionMs` (store.pruneDeliveries), in
 * batches until none is left, so that the deliveries table does not grow with every job forever.
 * Instances sweeping at once delete disjoint or already-deleted rows: nothing to coordinate.
 */
import type { Logger } from 'pino';
import type { WebhookStore } from './webhook-store.js';

export interface DeliveryRetentionOptions {
  store: Pick<WebhookStore, 'pruneDeliveries'>;
  retentionMs: number;
  /** Between two sweeps. */
  everyMs: number;
  /** Deliveries deleted per statement. @default 1000 */
  batch?: number;
  now: () => number;
  logger: Logger;
  /** Told how many each sweep deleted, when it deleted any (metrics). */
  onDeleted?: (count: number) => void;
}

export interface DeliveryRetention {
  /** One sweep now (the one running, if any): how many deliveries it deleted. */
  sweep(): Promise<number>;
  /** Stops sweeping, after the sweep running, if any. */
  close(): Promise<void>;
}

const BATCH = 1_000;

export function startDeliveryRetention(options: DeliveryRetentionOptions): DeliveryRetention {
  const { store, logger } = options;
  const batch = options.batch ?? BATCH;
  let running: Promise<number> | null = null;
  let closed = false;

  async function prune(): Promise<number> {
    const before = new Date(options.now() - options.retentionMs);
    let deleted = 0;
    for (;;) {
      const n = await store.pruneDeliveries(before, batch);
      deleted += n;
      if (n < batch || closed) break;
    }
    if (deleted > 0) {
      options.onDeleted?.(deleted);
      logger.info({ deleted, before: before.toISOString() }, 'webhook deliveries past their retention deleted');
    }
    return deleted;
  }

  function sweep(): Promise<number> {
    running ??= prune()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'deleting webhook deliveries past their retention failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  const timer = setInterval(() => void sweep(), options.everyMs);
  timer.unref();
  void sweep();

  return {
    sweep,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}
