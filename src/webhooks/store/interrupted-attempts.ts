/**
 * The attempts that ended with no outcome: their instance was killed (`kill -9`), crashed, or stalled
 * past its lease. A claim writes when its attempt begins (`attempt_started_at`, in the UPDATE that
 * takes the lease, so before any request is sent), and a lease is cleared when its outcome is
 * recorded (finishAttempt): a lease found expired is therefore an attempt that never ended. The
 * claim that takes such a delivery over records that attempt, `interrupted`, in its own statement
 * (claim-due.ts `leaseDeliveries`: no round trip more per attempt), and its instance logs it.
 */
import type { Logger } from 'pino';
import { sql } from 'kysely';

/** What a tenant reads as the error of an attempt that has no outcome. */
const INTERRUPTED_ERROR =
  'no outcome: the gateway instance sending it stopped before the attempt ended (the endpoint may have ' +
  'received it); sent again under the same webhook-id';

/** What the claim's statement answers of each delivery, besides its row: the attempt it found interrupted, if any. */
export interface InterruptedColumns {
  interrupted: boolean;
  /** The instance that held the expired lease. */
  interrupted_owner: string | null;
  interrupted_started_at: Date | null;
}

/**
 * Two CTEs after the claim's `leased` (the UPDATE, which counts an expired lease in `attempt_count`
 * and `interrupted_attempts` on the row it locks, so that an outcome recorded late, between the
 * statement's snapshot and its lock, is not taken for an interruption): `prior`, each leased row as
 * the snapshot saw it (every CTE sees the statement's snapshot, not the UPDATE's effects), with when
 * its interrupted attempt began; and the insert of that attempt, lasting until its lease expired.
 * A lease taken by an instance older than `attempt_started_at` began a lease's length before it expired:
 * such an instance neither writes the column nor clears it, so a value outside that lease's span is an
 * earlier attempt's, not its own (it dated an interrupted attempt before the one it followed).
 * The statement's last part selects `l.*` from `leased l join prior p` with `interruptedColumns`.
 */
export const interruptedAttempts = (now: Date, leaseExpiresAt: Date) => {
  const lease = sql`${leaseExpiresAt.getTime() - now.getTime()}::int * interval '1 millisecond'`;
  return sql`
    prior as (
      select d.id, d.lease_owner, d.interrupted_attempts, d.lease_expires_at,
        case when d.attempt_started_at between d.lease_expires_at - ${lease} and d.lease_expires_at
          then d.attempt_started_at else d.lease_expires_at - ${lease} end as started_at
      from webhook_deliveries d where d.id in (select l.id from leased l)),
    recorded as (
      insert into webhook_attempts (delivery_id, number, started_at, duration_ms, response_code, error, interrupted)
      select l.id, l.attempt_count, p.started_at,
        greatest(0, round(extract(epoch from p.lease_expires_at - p.started_at) * 1000))::int, null, ${INTERRUPTED_ERROR}, true
      from leased l join prior p on p.id = l.id
      where l.interrupted_attempts > p.interrupted_attempts)`;
};

/** The columns of InterruptedColumns, from `leased l` and `prior p`. */
export const interruptedColumns = sql`l.interrupted_attempts > p.interrupted_attempts as interrupted,
      p.lease_owner as interrupted_owner, p.started_at as interrupted_started_at`;

/** The operator's trace: which instance stopped mid-attempt, at which delivery, since when. */
export function logInterrupted(
  logger: Logger,
  instanceId: string,
  rows: Array<InterruptedColumns & { id: string; endpoint_id: string; attempt_count: number }>,
): void {
  for (const row of rows.filter((each) => each.interrupted))
    logger.warn(
      {
        deliveryId: row.id,
        endpointId: row.endpoint_id,
        attempt: row.attempt_count,
        startedAt: row.interrupted_started_at,
        interruptedInstanceId: row.interrupted_owner,
        instanceId,
      },
      'webhook attempt interrupted: the instance making it stopped before recording an outcome; sending again',
    );
}
