/**
 * Registers a webhook endpoint: its URL, the events it receives (checkboxes) and a note. Each problem
 * the gateway finds is shown beside its field (`extensions.field`); the signing secret of the new
 * endpoint goes to the page, which shows it once.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import type { WebhookEndpointPartsFragment, WebhookEvent } from '../gql/graphql';
import { EVENT_TEXT, EVENTS, eventLabel } from './events';
import { CreateWebhookEndpoint } from './operations';

type Problems = Record<string, string[]>;

export function RegisterForm(props: { onCreated(endpoint: WebhookEndpointPartsFragment, secret: string): void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<WebhookEvent>>(new Set(['JOB_COMPLETED', 'JOB_FAILED']));
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);

  const toggle = (event: WebhookEvent, on: boolean) =>
    setEvents((current) => {
      const next = new Set(current);
      if (on) next.add(event);
      else next.delete(event);
      return next;
    });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblems({});
    try {
      const input = { url: url.trim(), events: EVENTS.filter((event) => events.has(event)), description };
      const { createWebhookEndpoint: created } = await request(CreateWebhookEndpoint, { input });
      props.onCreated(created.endpoint, created.signingSecret);
      setUrl('');
      setDescription('');
    } catch (error) {
      setProblems(error instanceof ApiError ? error.byField() : { '': [String(error)] });
    } finally {
      setBusy(false);
    }
  };

  const beside = (field: string) =>
    problems[field] ? (
      <span class="field-error" id={`problem-${field}`} role="alert">
        {problems[field].join(' ')}
      </span>
    ) : null;
  const elsewhere = Object.entries(problems).filter(([field]) => !['url', 'events', 'description'].includes(field));

  return (
    <form class="card" aria-labelledby="register-title" onSubmit={(e) => void submit(e)}>
      <h2 id="register-title">Register an endpoint</h2>
      <label>
        Endpoint URL
        <input
          type="url"
          required
          placeholder="https://example.com/hooks/fine-tuning"
          value={url}
          aria-invalid={problems['url'] ? 'true' : undefined}
          aria-describedby={problems['url'] ? 'problem-url' : undefined}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        {beside('url')}
      </label>
      <EventBoxes events={events} onToggle={toggle} problem={beside('events')} />
      <label>
        Description
        <input value={description} maxLength={500} onInput={(e) => setDescription(e.currentTarget.value)} />
        {beside('description')}
      </label>
      {elsewhere.map(([field, messages]) => (
        <p key={field} class="error" role="alert">
          {messages.join(' ')}
        </p>
      ))}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Registering…' : 'Register endpoint'}
        </button>
      </div>
    </form>
  );
}

function EventBoxes(props: {
  events: ReadonlySet<WebhookEvent>;
  onToggle(event: WebhookEvent, on: boolean): void;
  problem: ComponentChildren;
}) {
  return (
    <fieldset class="events" aria-describedby={props.problem ? 'problem-events' : undefined}>
      <legend>Events</legend>
      {EVENTS.map((event) => (
        <label key={event} class="inline">
          <input
            type="checkbox"
            checked={props.events.has(event)}
            onChange={(e) => props.onToggle(event, e.currentTarget.checked)}
          />
          {eventLabel(event)} <span class="muted">({EVENT_TEXT[event]})</span>
        </label>
      ))}
      {props.problem}
    </fieldset>
  );
}
