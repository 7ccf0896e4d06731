/**
 * The dashboard: a single page on the gateway's public GraphQL API. Pages by URL hash (#/jobs,
 * #/jobs/<id>, #/new, #/datasets) so that the gateway serves one static file for all of them.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, request, resetSubscriptions } from './api';
import { loadCredentials, saveCredentials, type Credentials } from './credentials';
import { CredentialsForm } from './credentials-form';
import { DatasetsPage } from './datasets-page';
import { JobPage } from './job-page';
import { JobsPage } from './jobs-page';
import { NewJobPage } from './new-job/new-job-page';
import { Probe } from './operations';

type Route = { page: 'jobs' } | { page: 'job'; id: string } | { page: 'new' } | { page: 'datasets' };

function routeOf(hash: string): Route {
  const job = /^#\/jobs\/(.+)$/.exec(hash);
  if (job) return { page: 'job', id: decodeURIComponent(job[1]!) };
  if (hash === '#/new') return { page: 'new' };
  if (hash === '#/datasets') return { page: 'datasets' };
  return { page: 'jobs' };
}

type Access = { state: 'checking' } | { state: 'ok'; own: boolean } | { state: 'needed'; reason: string | null };

function App() {
  const [route, setRoute] = useState(routeOf(location.hash));
  const [access, setAccess] = useState<Access>({ state: 'checking' });

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

  return (
    <>
      <header class="top">
        <a class="brand" href="#/jobs">
          Fine-tuning dashboard
        </a>
        <nav aria-label="Pages">
          <a href="#/jobs" aria-current={route.page === 'jobs' ? 'page' : undefined}>
            Jobs
          </a>
          <a href="#/new" aria-current={route.page === 'new' ? 'page' : undefined}>
            New job
          </a>
          <a href="#/datasets" aria-current={route.page === 'datasets' ? 'page' : undefined}>
            Datasets
          </a>
          <a href="/graphql">GraphiQL</a>
          {access.state === 'ok' && access.own ? (
            <button type="button" class="link" onClick={() => applyCredentials(null)}>
              Sign out
            </button>
          ) : null}
        </nav>
      </header>
      <main>
        {access.state === 'checking' ? <p role="status">Connecting to the gateway…</p> : null}
        {access.state === 'needed' ? <CredentialsForm reason={access.reason} onSubmit={applyCredentials} /> : null}
        {access.state === 'ok' && route.page === 'jobs' ? <JobsPage /> : null}
        {access.state === 'ok' && route.page === 'job' ? <JobPage key={route.id} id={route.id} /> : null}
        {access.state === 'ok' && route.page === 'new' ? <NewJobPage /> : null}
        {access.state === 'ok' && route.page === 'datasets' ? <DatasetsPage /> : null}
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
root.replaceChildren(); // the "Loading" text of index.html goes: Preact leaves what it did not render
render(<App />, root);
