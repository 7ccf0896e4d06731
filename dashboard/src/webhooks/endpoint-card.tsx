/**
 * One webhook endpoint: its URL, state (and why, when it is not ACTIVE), events and note, with its
 * actions: enable or disable, rotate the signing secret, delete (asked twice), and its deliveries.
 */
import { useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { formatTime } from '../format';
import type { WebhookEndpointPartsFragment } from '../gql/graphql';
import { Deliveries } from './deliveries';
import { eventLabel } from './events';
import { DeleteWebhookEndpoint, RotateWebhookSecret, UpdateWebhookEndpoint } from './operations';

type Endpoint = WebhookEndpointPartsFragment;

export interface EndpointActions {
  onChanged(endpoint: Endpoint): void;
  onRotated(endpoint: Endpoint, secret: string): void;
  onDeleted(id: string): void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function EndpointCard({ endpoint, ...actions }: { endpoint: Endpoint } & EndpointActions) {
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [open, setOpen] = useState(false);

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(what);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : messageOf(error));
    } finally {
      setBusy(null);
    }
  };
  const setEnabled = (enabled: boolean) =>
    run(enabled ? 'enable' : 'disable', async () => {
      const { updateWebhookEndpoint } = await request(UpdateWebhookEndpoint, { input: { id: endpoint.id, enabled } });
      actions.onChanged(updateWebhookEndpoint);
    });
  const rotate = () =>
    run('rotate', async () => {
      const { rotateWebhookSecret } = await request(RotateWebhookSecret, { id: endpoint.id });
      actions.onRotated(rotateWebhookSecret.endpoint, rotateWebhookSecret.signingSecret);
    });
  const remove = () =>
    run('delete', async () => {
      await request(DeleteWebhookEndpoint, { id: endpoint.id });
      actions.onDeleted(endpoint.id);
    });

  return (
    <article class="card endpoint" aria-label={`Endpoint ${endpoint.url}`} data-testid="endpoint">
      <EndpointSummary endpoint={endpoint} />
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" disabled={busy !== null} onClick={() => void setEnabled(!endpoint.enabled)}>
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void rotate()}>
          {busy === 'rotate' ? 'Rotating…' : 'Rotate secret'}
        </button>
        {confirming ? (
          <>
            <button type="button" class="danger" disabled={busy !== null} onClick={() => void remove()}>
              {busy === 'delete' ? 'Deleting…' : 'Delete for good'}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="danger" disabled={busy !== null} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide deliveries' : 'Deliveries'}
        </button>
      </div>
      {open ? <Deliveries endpointId={endpoint.id} /> : null}
    </article>
  );
}

function EndpointSummary({ endpoint }: { endpoint: Endpoint }) {
  return (
    <>
      <h3 class="endpoint-url">
        <code>{endpoint.url}</code>
      </h3>
      <p>
        <span class={`status status-${endpoint.state.toLowerCase()}`} data-testid="endpoint-state">
          {endpoint.state}
        </span>{' '}
        {endpoint.enabled ? null : <span class="status">switched off</span>}{' '}
        {endpoint.stateReason ? <span data-testid="endpoint-reason">{endpoint.stateReason}</span> : null}
      </p>
      <dl>
        <dt>Events</dt>
        <dd data-testid="endpoint-events">{endpoint.events.map(eventLabel).join(', ')}</dd>
        {endpoint.description ? (
          <>
            <dt>Description</dt>
            <dd>{endpoint.description}</dd>
          </>
        ) : null}
        <dt>Registered</dt>
        <dd>{formatTime(endpoint.createdAt)}</dd>
        {endpoint.previousSecretExpiresAt ? (
          <>
            <dt>Previous secret signs until</dt>
            <dd>{formatTime(endpoint.previousSecretExpiresAt)}</dd>
          </>
        ) : null}
      </dl>
    </>
  );
}
