/**
 * Retention of finished deliveries: a delivery that succeeded, or failed with no retry left, is
 * deleted with its attempts (the foreign key cascades) once nothing happened to it since `before`:
 * made before it, and no attempt started since (a redelivery counts from its new attempts). A pending
 * delivery is never deleted, however old. In batches of `limit`, oldest first (on the index of
 * finished deliveries by age, migrations.ts), so that a sweep never holds many rows at once; every
 * instance may sweep, the deletes are idempotent.
 *
 * The conditions are checked again by the DELETE itself, on each row it locks: a delivery redelivered
 * (pending again) between the choice and the delete is left alone. PostgreSQL re-checks only the
 * DELETE's own conditions on a row another transaction changed meanwhile, not those of a subquery.
 */
import type { ExpressionBuilder } from 'kysely';
import type { StoreContext } from './store-context.js';
import type { WebhookTables } from './tables.js';

type Deliveries = ExpressionBuilder<WebhookTables, 'webhook_deliveries'>;

/** Finished, made before `before`, and no attempt since. */
const untouchedSince = (before: Date) => (eb: Deliveries) =>
  eb.and([
    eb('webhook_deliveries.state', 'in', ['succeeded', 'failed']),
    eb('webhook_deliveries.created_at', '<', before),
    eb.not(
      eb.exists(
        eb
          .selectFrom('webhook_attempts')
          .select('webhook_attempts.number')
          .whereRef('webhook_attempts.delivery_id', '=', 'webhook_deliveries.id')
          .where('webhook_attempts.started_at', '>=', before),
      ),
    ),
  ]);

export async function pruneDeliveries(ctx: StoreContext, before: Date, limit: number): Promise<number> {
  const chosen = await ctx.db
    .selectFrom('webhook_deliveries')
    .select('webhook_deliveries.id')
    .where(untouchedSince(before))
    .orderBy('webhook_deliveries.created_at')
    .limit(limit)
    .execute();
  if (chosen.length === 0) return 0;
  const result = await ctx.db
    .deleteFrom('webhook_deliveries')
    .where(
      'webhook_deliveries.id',
      'in',
      chosen.map((row) => row.id),
    )
    .where(untouchedSince(before))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
