/**
 * A failure that comes back on every turn while what it needs is away (a scan every second, a
 * reconnection every 2 s at most), logged twice rather than once per turn: the first failure in full,
 * at `level`, and the first success after it, at info, with how long it lasted and how many turns
 * failed. An outage of ten minutes is then two lines, not hundreds, and its end is said.
 */
import type { Logger } from 'pino';

/** Both without `this`: they may be passed as callbacks (`promise.then(log.succeeded, log.failed)`). */
export interface OutageLog {
  failed: (error: unknown) => void;
  succeeded: () => void;
}

export interface OutageMessages {
  level: 'warn' | 'error';
  failed: string;
  back: string;
}

export function outageLog(
  logger: Logger,
  messages: OutageMessages,
  fields: Record<string, unknown> = {},
  now: () => number = Date.now,
): OutageLog {
  let since: number | null = null;
  let failures = 0;
  return {
    failed(error) {
      failures += 1;
      if (since !== null) return;
      since = now();
      logger[messages.level]({ ...fields, err: error }, messages.failed);
    },
    succeeded() {
      if (since === null) return;
      logger.info({ ...fields, downMs: now() - since, failures }, messages.back);
      since = null;
      failures = 0;
    },
  };
}
