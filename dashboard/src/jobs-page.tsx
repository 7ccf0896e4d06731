/**
 * The organization's jobs, live through `jobsUpdated`: one subscription for the whole list (its
 * events carry no metrics, so the upstream is polled once for everyone's list), newest first, a page
 * at a time. The list costs that one poll and nothing per row: a RUNNING job's row shows how long it
 * has run (counted here from `startedAt`), and its step of total and time left are on its own page,
 * whose chart polls the job (`Job.progress` read through `jobsUpdated` would read the job's metrics
 * from the upstream for every browser and event, and would not move between events anyway).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, request, subscribe, type LiveState } from './api';
import { STATUSES, statusLabel } from './format';
import type { JobStatus } from './gql/graphql';
import { JobsTable, type Row } from './jobs-table';
import { liveWord, ReconnectButton, useLiveState } from './live-status';
import { JobsCount, JobsList } from './operations';
const PAGE_SIZE = 20;

/**
 * The status filter of the URL (`#/jobs?status=FAILED`, any case), or null for all jobs; `unknown` is
 * what the URL held that is no status of the provider's jobs (`statuses`): the list then shows all
 * jobs, and says so.
 */
function filterOf(
  param: string | null,
  statuses: readonly JobStatus[],
): { status: JobStatus | ''; unknown: string | null } {
  if (param === null || param === '') return { status: '', unknown: null };
  const status = statuses.find((s) => s === param.toUpperCase());
  return status ? { status, unknown: null } : { status: '', unknown: param };
}

/** The list's URL for a filter: a new history entry, so that Back returns to the filter before. */
const hashOf = (status: JobStatus | '') => (status ? `#/jobs?status=${status}` : '#/jobs');

/** `statuses`: those the provider's jobs can have (`ProviderInfo.jobStatuses`), every one until it is known. */
export function JobsPage(props: { status: string | null; statuses: readonly JobStatus[] | null }) {
  const statuses = props.statuses ?? STATUSES;
  const { status, unknown } = filterOf(props.status, statuses);
  return (
    <section aria-labelledby="jobs-title">
      <div class="heading">
        <h1 id="jobs-title">Jobs</h1>
        <a class="button" href="#/new">
          New job
        </a>
      </div>
      <label class="inline">
        Status
        <select value={status} onChange={(e) => (location.hash = hashOf(e.currentTarget.value as JobStatus | ''))}>
          <option value="">All</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      {unknown !== null ? (
        <p class="notice" role="alert" data-testid="unknown-status">
          The link asks for status “<bdi>{unknown}</bdi>”, which{' '}
          {STATUSES.some((s) => s === unknown.toUpperCase())
            ? 'jobs on this provider never have'
            : 'is not a job status'}
          : all jobs are shown.
        </p>
      ) : null}
      {/* Keyed by the status: a new filter starts from an empty list, on its own subscription. */}
      <LiveJobs key={status} status={status} />
    </section>
  );
}

/**
 * The jobs of one status filter, live, a page at a time. `jobsUpdated` sends each current job first,
 * and nothing at all when there is none: `JobsCount` tells an empty list from one still coming. When
 * the subscription is sent anew on a new WebSocket (the gateway restarted), the rows shown are kept
 * until the fresh state's first job (or a count of none) replaces them all: a job gone meanwhile, or
 * no longer in the filtered status, drops out.
 */
function LiveJobs({ status }: { status: JobStatus | '' }) {
  const [jobs, setJobs] = useState<ReadonlyMap<string, Row>>(new Map());
  const [error, setError] = useState<ApiError | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [page, setPage] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const live = useLiveState();

  useEffect(() => {
    const variables = status ? { status } : {};
    let current = true;
    // Whether the rows shown belong to the current subscription: not those of an earlier one (before a
    // restart, or before Reconnect) until its first event.
    let fresh = attempt === 0;
    let heard = false;
    const count = () => {
      heard = false;
      request(JobsCount, variables).then(
        ({ jobs: { totalCount } }) => {
          if (!current || heard || totalCount > 0) return; // the events are (or will be) the list
          fresh = true;
          setJobs(new Map());
          setLoaded(true);
        },
        (e: unknown) => current && setError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }])),
      );
    };
    const subscription = subscribe(JobsList, variables, {
      onData: ({ jobsUpdated: job }) => {
        heard = true;
        const replace = !fresh;
        fresh = true;
        setLoaded(true);
        setError(null);
        setJobs((shown) => new Map(replace ? [] : shown).set(job.id, job));
      },
      onError: setError,
      onResubscribed: () => {
        fresh = false;
        setError(null);
        count();
      },
    });
    count();
    return () => {
      current = false;
      subscription.stop();
    };
  }, [status, attempt]);

  // A filtered view is told when a job leaves its status; such a job drops out of it.
  const visible = useMemo(
    () =>
      [...jobs.values()]
        .filter((job) => !status || job.status === status)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [jobs, status],
  );
  const pages = Math.max(1, Math.ceil(visible.length / PAGE_SIZE));
  const shownPage = Math.min(page, pages - 1);
  const shown = visible.slice(shownPage * PAGE_SIZE, (shownPage + 1) * PAGE_SIZE);

  return (
    <>
      {error ? (
        <p class="error" role="alert">
          {error.message}
        </p>
      ) : null}
      <ListStatus
        text={loaded ? `${countText(visible.length, status)} · ${liveWord(live)}` : waitingText(live)}
        onReconnect={
          live === 'lost'
            ? () => {
                setError(null);
                setAttempt((n) => n + 1);
              }
            : null
        }
      />
      {visible.length ? <JobsTable jobs={shown} /> : null}
      {pages > 1 ? <Pager page={shownPage} pages={pages} onPage={setPage} /> : null}
    </>
  );
}

/** The list's status line, and Reconnect once the connection was lost for good. */
function ListStatus({ text, onReconnect }: { text: string; onReconnect: (() => void) | null }) {
  return (
    <div class="live-line">
      <p role="status" class="muted">
        {text}
      </p>
      {onReconnect ? <ReconnectButton onReconnect={onReconnect} /> : null}
    </div>
  );
}

function countText(count: number, status: JobStatus | ''): string {
  if (count === 0) return status ? `No ${statusLabel(status).toLowerCase()} jobs` : 'No jobs yet';
  return `${count} job${count === 1 ? '' : 's'}`;
}

function waitingText(live: LiveState): string {
  if (live === 'reconnecting') return 'Waiting for the job list: Reconnecting…';
  if (live === 'lost') return 'No job list: the connection to the gateway was lost.';
  return 'Waiting for the job list…';
}

function Pager({ page, pages, onPage }: { page: number; pages: number; onPage(page: number): void }) {
  return (
    <nav class="pager" aria-label="Pages of jobs">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Newer
      </button>
      <span>
        Page {page + 1} of {pages}
      </span>
      <button type="button" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>
        Older
      </button>
    </nav>
  );
}
