/**
 * The gateway's own download links (Together's `downloadUrl`, src/resolvers/download-link.ts), for
 * the composition root (build-backends.ts): their grants are kept in the database the webhooks use,
 * sealed with its key, so they exist only where that store does, and only for a provider whose
 * downloads need them (Together; Nscale hands out pre-signed URLs of its own).
 *
 * Without them `downloadUrl` is Together's own endpoint, which answers only to the account's key; the
 * start says so once: with webhooks off there is no database, and PostgreSQL without
 * WEBHOOK_ENCRYPTION_KEY has no key to seal a caller's key with.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { DownloadLinks } from '../resolvers/download-link.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';

export function buildDownloadLinks(
  settings: Pick<Settings, 'providers' | 'webhooks' | 'database' | 'downloads'>,
  store: WebhookStore | null,
  logger: Logger,
): DownloadLinks | null {
  if (!settings.providers.includes('together')) return null;
  const why = !store
    ? 'WEBHOOKS_ENABLED=false: the gateway keeps no database'
    : settings.database.url !== null && !settings.webhooks?.encryptionKey
      ? 'DATABASE_URL is set without WEBHOOK_ENCRYPTION_KEY: nothing can be sealed'
      : null;
  if (why || !store) {
    logger.warn(
      `download links: Together's downloadUrl is Together's own endpoint, which answers only to the account's key (${why})`,
    );
    return null;
  }
  return { grants: store, ttlMs: settings.downloads.linkTtlMs, baseUrl: settings.downloads.baseUrl };
}
