/**
 * What every query of the webhook store works with: the database, the sealer (null when no key is
 * set: PostgreSQL without WEBHOOK_ENCRYPTION_KEY and no endpoint stored yet) and the logger.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { encryptionKeyMissing } from '../errors.js';
import type { Sealer } from '../seal.js';
import type { WebhookOwner } from '../webhook-store.js';
import type { WebhookTables } from './tables.js';

export interface StoreContext {
  db: Kysely<WebhookTables>;
  sealer: Sealer | null;
  logger: Logger;
}

/** The sealer, or the coded refusal that tells the operator to set WEBHOOK_ENCRYPTION_KEY. */
export function sealerOf(ctx: StoreContext): Sealer {
  if (!ctx.sealer) throw encryptionKeyMissing();
  return ctx.sealer;
}

/** Log fields naming an owner: the provider and the account, never a credential. */
export const ownerFields = (owner: WebhookOwner) => ({ provider: owner.provider, ownerKey: owner.ownerKey });
