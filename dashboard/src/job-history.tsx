/**
 * A job's event log and saved checkpoints (Together keeps both; Nscale neither, and its job page shows
 * no such card). Read with `JobHistory` rather than with the job's subscription: each is an upstream
 * call of its own, which a new loss point does not need. Read again when the job's status changes,
 * every half minute while it is active, and on demand; a failed read keeps what was shown, with why.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from './api';
import { formatTime } from './format';
import type { JobHistoryQuery } from './gql/graphql';
import { JobHistory as JobHistoryDocument } from './operations';

type History = NonNullable<JobHistoryQuery['job']>;
const REFRESH_MS = 30_000;

export interface HistoryWanted {
  events: boolean;
  checkpoints: boolean;
}

function useHistory(id: string, status: string, active: boolean, wanted: HistoryWanted) {
  const [history, setHistory] = useState<History | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reads, setReads] = useState(0);
  const { events, checkpoints } = wanted;
  useEffect(() => {
    let current = true;
    request(JobHistoryDocument, { id, events, checkpoints }).then(
      (data) => {
        if (!current) return;
        if (data.job) setHistory(data.job);
        setError(null);
      },
      (e: unknown) => current && setError(e instanceof ApiError ? e.message : String(e)),
    );
    const timer = active ? setTimeout(() => setReads((n) => n + 1), REFRESH_MS) : undefined;
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [id, status, active, events, checkpoints, reads]);
  return { history, error, refresh: () => setReads((n) => n + 1) };
}

export function JobHistoryCard(props: { id: string; status: string; active: boolean; wanted: HistoryWanted }) {
  const { history, error, refresh } = useHistory(props.id, props.status, props.active, props.wanted);
  return (
    <div class="card" data-testid="job-history">
      <div class="heading">
        <h2>Checkpoints and events</h2>
        <button type="button" class="secondary" onClick={refresh}>
          Refresh
        </button>
      </div>
      {error ? (
        <p class="error" role="alert">
          Could not read them: {error}
        </p>
      ) : null}
      {!history && !error ? <p role="status">Loading…</p> : null}
      {history && props.wanted.checkpoints ? <Checkpoints checkpoints={history.checkpoints ?? []} /> : null}
      {history && props.wanted.events ? <Events events={history.events ?? []} /> : null}
    </div>
  );
}

function Checkpoints({ checkpoints }: { checkpoints: NonNullable<History['checkpoints']> }) {
  if (!checkpoints.length) return <p class="muted">No checkpoint saved yet.</p>;
  return (
    <table aria-label="Checkpoints">
      <thead>
        <tr>
          <th scope="col">Checkpoint</th>
          <th scope="col">Step</th>
          <th scope="col">Saved</th>
          <th scope="col">Weights</th>
        </tr>
      </thead>
      <tbody>
        {checkpoints.map((c) => (
          <tr key={c.id}>
            <td>{c.final ? 'Final model' : <bdi>{c.label}</bdi>}</td>
            <td>{c.step}</td>
            <td>{formatTime(c.createdAt)}</td>
            <td>
              {c.downloadUrl ? (
                <a href={c.downloadUrl} download>
                  Download (.tar.gz)
                </a>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Events({ events }: { events: NonNullable<History['events']> }) {
  if (!events.length) return <p class="muted">No event yet.</p>;
  return (
    <ol class="events" aria-label="Events">
      {events.map((e, i) => (
        <li key={`${e.createdAt}-${i}`} class={e.level === 'error' ? 'error' : undefined}>
          <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time> <bdi>{e.message}</bdi>
          {e.step != null ? <span class="muted"> (step {e.step})</span> : null}
        </li>
      ))}
    </ol>
  );
}
