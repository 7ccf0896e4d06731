/**
 * An endpoint's deliveries, newest first, a page at a time (read on request: Refresh, More), each
 * with its attempts (status, time, how long, the error) and a Redeliver button, which sends the same
 * delivery again under the same `webhook-id`.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { formatTime } from '../format';
import type { WebhookDeliveryPartsFragment } from '../gql/graphql';
import { eventLabel } from './events';
import { RedeliverWebhook, WebhookDeliveries } from './operations';

type Delivery = WebhookDeliveryPartsFragment;
const PAGE_SIZE = 20;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function Deliveries({ endpointId }: { endpointId: string }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (after: string | null) => {
      setBusy(true);
      setProblem(null);
      try {
        const { webhookDeliveries: page } = await request(WebhookDeliveries, {
          endpoint: endpointId,
          first: PAGE_SIZE,
          after,
        });
        const nodes = page.edges.map((edge) => edge.node);
        setDeliveries((current) => (after === null ? nodes : [...(current ?? []), ...nodes]));
        setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
      } catch (error) {
        setProblem(messageOf(error));
      } finally {
        setBusy(false);
      }
    },
    [endpointId],
  );
  useEffect(() => void load(null), [load]);

  const redeliver = async (delivery: Delivery) => {
    setProblem(null);
    try {
      const { redeliverWebhook: again } = await request(RedeliverWebhook, { delivery: delivery.id });
      setDeliveries((current) => current?.map((d) => (d.id === again.id ? again : d)) ?? null);
    } catch (error) {
      setProblem(`${delivery.id}: ${messageOf(error)}`);
    }
  };

  return (
    <section class="deliveries" aria-label="Deliveries">
      <div class="heading">
        <h4>Deliveries</h4>
        <button type="button" class="secondary" disabled={busy} onClick={() => void load(null)}>
          Refresh
        </button>
      </div>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      {deliveries === null ? (
        <p role="status">Loading…</p>
      ) : deliveries.length === 0 ? (
        <p>No deliveries yet: they come when a job of this account changes.</p>
      ) : (
        <DeliveriesTable deliveries={deliveries} onRedeliver={(d) => void redeliver(d)} />
      )}
      {next !== null ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => void load(next)}>
          More
        </button>
      ) : null}
    </section>
  );
}

function DeliveriesTable(props: { deliveries: Delivery[]; onRedeliver(delivery: Delivery): void }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Next attempt</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.map((d) => (
            <tr key={d.id} data-testid="delivery" data-delivery-id={d.id}>
              <td>{formatTime(d.createdAt)}</td>
              <td>{eventLabel(d.eventType)}</td>
              <td>
                <a href={`#/jobs/${encodeURIComponent(d.jobId)}`}>{d.jobId}</a>
              </td>
              <td>
                <span class={`status status-${d.state.toLowerCase()}`} data-testid="delivery-state">
                  {d.state}
                </span>
                {d.lastResponseCode !== null ? ` (HTTP ${d.lastResponseCode})` : ''}
              </td>
              <td>
                <Attempts delivery={d} />
              </td>
              <td>{formatTime(d.nextAttemptAt)}</td>
              <td>
                <button type="button" aria-label={`Redeliver ${d.id}`} onClick={() => props.onRedeliver(d)}>
                  Redeliver
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Attempts({ delivery }: { delivery: Delivery }) {
  if (delivery.attempts.length === 0) return <>none yet</>;
  return (
    <details>
      <summary>{delivery.attemptCount === 1 ? '1 attempt' : `${delivery.attemptCount} attempts`}</summary>
      <ol class="attempts" data-testid="attempts">
        {delivery.attempts.map((a) => (
          <li key={a.number} data-testid="attempt">
            {formatTime(a.startedAt)}: {a.responseCode === null ? 'no answer' : `HTTP ${a.responseCode}`} in{' '}
            {a.durationMs} ms{a.error ? <span class="muted"> ({a.error})</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
