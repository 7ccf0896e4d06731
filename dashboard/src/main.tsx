/**
 * The dashboard: a single page on the gateway's public GraphQL API. Pages by URL hash (#/jobs,
 * #/jobs/<id>, #/new, #/datasets, #/webhooks) so that the gateway serves one static file for all of them.
 * The jobs list's status filter is in the hash too (#/jobs?status=FAILED): a reload, a shared link and
 * Back keep it.
 */
import { render, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import './top-bar.css';
import './jobs-list.css';
import { ApiError, request, resetSubscriptions } from './api';
import { loadCredentials, saveCredentials, type Credentials } from './credentials';
import { CredentialsForm } from './credentials-form';
import { DatasetsPage } from './datasets-page';
import { JobPage } from './job-page';
import { JobsPage } from './jobs-page';
import { NewJobPage } from './new-job/new-job-page';
import { Probe } from './operations';
import { loadProvider, saveProvider, type ProviderName } from './provider';
import { ProviderSwitch } from './provider-switch';
import { useProviders } from './use-providers';
import { WebhooksPage } from './webhooks/webhooks-page';

type Route =
  | { page: 'jobs'; status: string | null }
  | { page: 'job'; id: string }
  | { page: 'new' }
  | { page: 'datasets' }
  | { page: 'webhooks' };

function routeOf(hash: string): Route {
  const job = /^#\/jobs\/(.+)$/.exec(hash);
  if (job) return { page: 'job', id: decodeURIComponent(job[1]!) };
  if (hash === '#/new') return { page: 'new' };
  if (hash === '#/datasets') return { page: 'datasets' };
  if (hash === '#/webhooks') return { page: 'webhooks' };
  // The list, with the status filter of its query string (checked by the list: an unknown one shows all).
  const query = /^#\/jobs\?(.*)$/.exec(hash);
  return { page: 'jobs', status: query ? new URLSearchParams(query[1]).get('status') : null };
}

type Access = { state: 'checking' } | { state: 'ok'; own: boolean } | { state: 'needed'; reason: string | null };

function App() {
  const [route, setRoute] = useState(routeOf(location.hash));
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const [picked, setPicked] = useState(loadProvider());
  const { providers, current } = useProviders(picked);

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const check = async () => {
    setAccess({ state: 'checking' });
    try {
      await request(Probe);
      setAccess({ state: 'ok', own: loadCredentials() !== null });
    } catch (error) {
      const code = error instanceof ApiError ? error.code : undefined;
      if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
        setAccess({ state: 'needed', reason: loadCredentials() ? (error as ApiError).message : null });
      } else {
        setAccess({ state: 'needed', reason: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  useEffect(() => void check(), []);

  const applyCredentials = (credentials: Credentials | null) => {
    saveCredentials(credentials);
    resetSubscriptions();
    void check();
  };
  // Credentials are kept per provider: the switch checks access again with the new provider's.
  const switchProvider = (provider: ProviderName) => {
    // A job is one provider's: its page cannot show it on the other (it answered with the gateway's
    // refusal of a mixed id: dashboard trial). The jobs list of the provider picked is what follows.
    if (route.page === 'job') location.hash = '#/jobs';
    saveProvider(provider);
    setPicked(provider);
    resetSubscriptions();
    void check();
  };

  const capabilities = current?.capabilities ?? null;
  const ok = access.state === 'ok';
  return (
    <>
      <TopBar
        route={route}
        signedIn={ok && access.own}
        datasets={capabilities?.datasets ?? true}
        onSignOut={() => applyCredentials(null)}
      >
        <ProviderSwitch providers={providers} current={current} onChange={switchProvider} />
      </TopBar>
      {/* Keyed by provider: a switch starts every page afresh (its subscriptions and forms belong to the other provider). */}
      <main key={current?.name ?? ''}>
        {access.state === 'checking' ? <p role="status">Connecting to the gateway…</p> : null}
        {access.state === 'needed' ? (
          <CredentialsForm
            reason={access.reason}
            tokenLabel={current?.name === 'TOGETHER' ? 'Together API key' : 'Service token'}
            organization={current?.name !== 'TOGETHER'}
            onSubmit={applyCredentials}
            onForget={loadCredentials() ? () => applyCredentials(null) : null}
          />
        ) : null}
        {ok && route.page === 'jobs' ? <JobsPage status={route.status} /> : null}
        {ok && route.page === 'job' ? <JobPage key={route.id} id={route.id} capabilities={capabilities} /> : null}
        {ok && route.page === 'new' ? <NewJobPage capabilities={capabilities} /> : null}
        {ok && route.page === 'datasets' ? <DatasetsPage /> : null}
        {ok && route.page === 'webhooks' ? <WebhooksPage /> : null}
      </main>
    </>
  );
}

function TopBar(props: {
  route: Route;
  signedIn: boolean;
  datasets: boolean;
  onSignOut(): void;
  children: ComponentChildren;
}) {
  const current = (page: Route['page']) => (props.route.page === page ? 'page' : undefined);
  return (
    <header class="top">
      <a class="brand" href="#/jobs">
        Fine-tuning dashboard
      </a>
      <nav aria-label="Pages">
        <a href="#/jobs" aria-current={current('jobs')}>
          Jobs
        </a>
        <a href="#/new" aria-current={current('new')}>
          New job
        </a>
        {/* A provider without datasets (Together) trains on the uploaded files: no page to manage. */}
        {props.datasets ? (
          <a href="#/datasets" aria-current={current('datasets')}>
            Datasets
          </a>
        ) : null}
        <a href="#/webhooks" aria-current={current('webhooks')}>
          Webhooks
        </a>
        <a href="/graphql">GraphiQL</a>
        {props.children}
        {props.signedIn ? (
          <button type="button" class="link" onClick={props.onSignOut}>
            Sign out
          </button>
        ) : null}
      </nav>
    </header>
  );
}

const root = document.getElementById('app')!;
root.replaceChildren(); // the "Loading" text of index.html goes: Preact leaves what it did not render
render(<App />, root);
