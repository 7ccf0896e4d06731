/**
 * The Webhooks page: register an endpoint (its signing secret shown once, with a copy button), and the
 * account's endpoints with their state, actions and deliveries. Read when the page opens and after
 * each change; nothing here polls.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import type { WebhookEndpointPartsFragment } from '../gql/graphql';
import { EndpointCard } from './endpoint-card';
import { WebhookEndpoints } from './operations';
import { RegisterForm } from './register-form';
import { SecretOnce, type ShownSecret } from './secret-once';

type Endpoint = WebhookEndpointPartsFragment;

export function WebhooksPage() {
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<ShownSecret | null>(null);

  useEffect(() => {
    request(WebhookEndpoints).then(
      (data) => setEndpoints(data.webhookEndpoints),
      (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
    );
  }, []);

  const replace = (endpoint: Endpoint) =>
    setEndpoints((list) => list?.map((e) => (e.id === endpoint.id ? endpoint : e)) ?? null);

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p class="muted">
        Each endpoint receives a signed POST (Standard Webhooks) when a job of this account changes, whether or not
        anyone is watching it here.
      </p>
      {secret ? <SecretOnce {...secret} onDone={() => setSecret(null)} /> : null}
      <RegisterForm
        onCreated={(endpoint, signingSecret) => {
          setEndpoints((list) => [...(list ?? []), endpoint]);
          setSecret({ url: endpoint.url, secret: signingSecret, rotated: false });
        }}
      />
      <h2>Endpoints</h2>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      {endpoints === null && !problem ? <p role="status">Loading…</p> : null}
      {endpoints?.length === 0 ? <p>No endpoints yet.</p> : null}
      {endpoints?.map((endpoint) => (
        <EndpointCard
          key={endpoint.id}
          endpoint={endpoint}
          onChanged={replace}
          onRotated={(changed, signingSecret) => {
            replace(changed);
            setSecret({ url: changed.url, secret: signingSecret, rotated: true });
          }}
          onDeleted={(id) => setEndpoints((list) => list?.filter((e) => e.id !== id) ?? null)}
        />
      ))}
    </section>
  );
}
