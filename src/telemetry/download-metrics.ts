/**
 * The counter of the gateway's download links (src/server/use-downloads.ts): how each request to one
 * ended. Part of the gateway's metrics (gateway-metrics.ts), on its registry.
 */
import { Counter, type Registry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * How a request to one of the gateway's download links (Together's `downloadUrl`) ended: `served` (the
 * upstream's file streamed on), or refused: `unknown` (no such link), `expired`, `busy` (too many
 * transfers of the link at once), `upstream_missing` (the upstream no longer has the file),
 * `upstream_refused` (it refused the key kept for the link), `upstream_unavailable`, `upstream_failed`,
 * `aborted` (the client left before the file began) and `error` (the gateway's own failure: its
 * database out of reach, a bug).
 */
export const DOWNLOAD_OUTCOMES = [
  'served',
  'unknown',
  'expired',
  'busy',
  'upstream_missing',
  'upstream_refused',
  'upstream_unavailable',
  'upstream_failed',
  'aborted',
  'error',
] as const;
export type DownloadOutcome = (typeof DOWNLOAD_OUTCOMES)[number];

/** The download links' counter, every outcome at 0 from the start. */
export function downloadMetrics(registers: Registry[]): Pick<GatewayMetrics, 'download'> {
  const downloads = new Counter({
    name: 'gateway_downloads_total',
    help:
      "Requests to the gateway's download links (Together's downloadUrl), by outcome (served: the file " +
      'streamed on; unknown, expired, busy: refused by the gateway; upstream_*: the upstream did not serve ' +
      "it; aborted: the client left before the file began; error: the gateway's own failure)",
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of DOWNLOAD_OUTCOMES) downloads.labels({ outcome }).inc(0);
  return { download: (outcome) => downloads.inc({ outcome }) };
}
