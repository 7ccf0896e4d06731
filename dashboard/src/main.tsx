/**
 * The dashboard: a single page on the gateway's public GraphQL API. Pages by URL hash (#/jobs,
 * #/jobs/<id>, #/new, #/datasets, #/webhooks) so that the gateway serves one static file for all of them.
 * The jobs list's status filter is in the hash too (#/jobs?status=FAILED): a reload, a shared link and
 * Back keep it. A job link whose id names its provider (`together:ft-…`) picks that provider, and a
 * page the provider in effect has not (Datasets on Together) is never shown.
 */
import { render, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
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
import { loadProvider, providerOfId, saveProvider, type ProviderName } from './provider';
import { PROVIDER_LABELS, providerLabel } from './provider-labels';
import { ProviderSwitch } from './provider-switch';
import { nameOf, useProviders, type ProviderInfo } from './use-providers';
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

/** Whether the gateway lets the caller in with the picked provider's credentials; `check` asks again. */
function useAccess() {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const check = useCallback(async () => {
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
  }, []);
  useEffect(() => void check(), [check]);
  return { access, check };
}

/** The route of the URL, kept in step with it; `go` moves to another at once (the hash change comes later). */
function useRoute() {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const go = (hash: string) => {
    location.hash = hash;
    setRoute(routeOf(hash));
  };
  return { route, go };
}

function App() {
  const { route, go } = useRoute();
  const { access, check } = useAccess();
  const [picked, setPicked] = useState(loadProvider());
  const { providers, current, loaded } = useProviders(picked);

  // Credentials are kept per provider: a new pick checks access again with its own.
  const pick = useCallback(
    (provider: ProviderName) => {
      saveProvider(provider);
      setPicked(provider);
      resetSubscriptions();
      void check();
    },
    [check],
  );
  // A job link names its provider in its id (`together:ft-…`): opened in a fresh tab, or while the
  // other provider is picked, it picks that one (the header's switch shows it) before the job is asked
  // for (it was asked of the tab's provider, which refused the other's id: dashboard trial).
  const named = route.page === 'job' ? providerOfId(route.id) : null;
  const servesNamed = named !== null && providers.some((p) => nameOf(p) === named);
  const currentName = current ? nameOf(current) : null;
  useEffect(() => {
    if (named && servesNamed && currentName !== named) pick(named);
  }, [named, servesNamed, currentName, pick]);

  const applyCredentials = (credentials: Credentials | null) => {
    saveCredentials(credentials);
    resetSubscriptions();
    void check();
  };
  const switchProvider = (provider: ProviderName) => {
    // A page the new provider has not gives way to its jobs list: a job is one provider's, and a
    // provider without datasets (Together) has no Datasets page (it showed the API's refusal).
    const next = providers.find((p) => nameOf(p) === provider);
    if (route.page === 'job' || (route.page === 'datasets' && next?.capabilities.datasets === false)) go('#/jobs');
    pick(provider);
  };

  const ok = access.state === 'ok';
  return (
    <>
      <TopBar
        route={route}
        signedIn={ok && access.own}
        datasets={current?.capabilities.datasets ?? true}
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
        {ok ? <RoutePage route={route} providers={providers} current={current} loaded={loaded} /> : null}
      </main>
    </>
  );
}

/**
 * The route's page, where the provider in effect has it: a page it has not is never shown (its
 * requests would be refused), and says so instead. Until the gateway has said what its providers
 * can do, such a page waits.
 */
function RoutePage(props: {
  route: Route;
  providers: readonly ProviderInfo[];
  current: ProviderInfo | null;
  loaded: boolean;
}) {
  const { route, current, loaded } = props;
  const capabilities = current?.capabilities ?? null;
  switch (route.page) {
    case 'jobs':
      return <JobsPage status={route.status} statuses={current?.jobStatuses ?? null} />;
    case 'job': {
      const named = providerOfId(route.id);
      if (!named || (current && nameOf(current) === named))
        return <JobPage key={route.id} id={route.id} capabilities={capabilities} />;
      // Picking the provider the id names (App), or that provider is not served here.
      if (!loaded || props.providers.some((p) => nameOf(p) === named)) return <p role="status">Loading the job…</p>;
      return (
        <Unavailable testId="job-provider-unserved">
          This job is on {PROVIDER_LABELS[named]}, which this gateway does not serve.
        </Unavailable>
      );
    }
    case 'new':
      return <NewJobPage capabilities={capabilities} />;
    case 'datasets':
      if (!loaded) return <p role="status">Loading…</p>;
      if (capabilities?.datasets !== false) return <DatasetsPage />;
      return (
        <Unavailable testId="no-datasets" title="Datasets">
          {providerLabel(current!.name)} has no datasets: its jobs train on the files uploaded for them on the{' '}
          <a href="#/new">New job</a> page.
        </Unavailable>
      );
    case 'webhooks':
      return <WebhooksPage />;
  }
}

/** What a link asked for that the provider in effect has not, and the way back to the jobs list. */
function Unavailable(props: { testId: string; title?: string; children: ComponentChildren }) {
  return (
    <section>
      {props.title ? <h1>{props.title}</h1> : null}
      <p class="notice" data-testid={props.testId}>
        {props.children}
      </p>
      <p>
        <a href="#/jobs">← Jobs</a>
      </p>
    </section>
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
