/**
 * The rows of the jobs list: each job's name (a link to its page), model, status, progress and
 * creation time. A RUNNING job's row counts how long it has run, in the browser, from `startedAt`
 * (jobs-page.tsx says why its steps are not here); a FAILED job's row says why it failed (`error`), in
 * a bounded box: a long reason wraps within it, its start readable, the whole of it in a tooltip and on
 * the job's page.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatDuration, formatTime, statusLabel } from './format';
import type { JobsListSubscription } from './gql/graphql';
import { ProgressBar } from './progress-bar';

export type Row = JobsListSubscription['jobsUpdated'];

export function JobsTable({ jobs }: { jobs: readonly Row[] }) {
  const now = useNow(jobs.some((job) => job.status === 'RUNNING'));
  return (
    <div class="table-wrap">
      <table class="jobs">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td data-label="Name">
                {/* Isolated: a name's bidi controls (U+202E) must not turn the text around it. */}
                <a href={`#/jobs/${encodeURIComponent(job.id)}`}>
                  <bdi>{job.name}</bdi>
                </a>
              </td>
              <td data-label="Model">
                <bdi>{job.baseModel?.name ?? job.baseModelId}</bdi>
              </td>
              <td data-label="Status">
                <span class={`status status-${job.status.toLowerCase()}`}>{statusLabel(job.status)}</span>
              </td>
              <td data-label="Progress">
                <RowProgress job={job} now={now} />
              </td>
              <td data-label="Created">{formatTime(job.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The time, once a second while `ticking` (a running job's time so far is shown). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const tick = () => setNow(Date.now());
    // At once too, not a second late: the time read when the page opened may be long past.
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [ticking]);
  return now;
}

function RowProgress({ job, now }: { job: Row; now: number }) {
  const label = `Progress of ${job.name}`;
  if (job.status === 'RUNNING') {
    const ran = job.startedAt ? Math.max(0, Math.round((now - Date.parse(job.startedAt)) / 1000)) : null;
    return (
      <div class="progress">
        <progress aria-label={label} />
        <span class="progress-text">
          {ran === null ? 'running' : `running for ${formatDuration(ran)}`} ·{' '}
          <a href={`#/jobs/${encodeURIComponent(job.id)}`} aria-label={`Steps and time left of ${job.name}`}>
            steps and time left
          </a>
        </span>
      </div>
    );
  }
  if (job.status === 'COMPLETED') return <ProgressBar fraction={1} label={label} secondsLeft={0} />;
  if (job.status === 'QUEUED' || job.status === 'STARTING') return <ProgressBar fraction={0} label={label} />;
  if (job.status === 'FAILED') return <FailureReason job={job} />;
  return <span class="muted">stopped</span>;
}

/**
 * Why a FAILED job failed, as the API gives it (`error { code message }`). Bounded: a few lines at
 * most (the rest behind an ellipsis, and whole in the tooltip and on the job's page), and words
 * broken anywhere, so that a long message or a long unbroken token (a path, an id) keeps the table's
 * width.
 */
function FailureReason({ job }: { job: Row }) {
  const reason = job.error?.message?.trim() || 'The service gave no reason.';
  const code = job.error?.code;
  return (
    <p class="row-error" data-testid="failure-reason" title={code ? `${reason} (${code})` : reason}>
      <span class="visually-hidden">Failure reason: </span>
      {/* The provider's message may quote a user string (a file or column name): isolated. */}
      <bdi>{reason}</bdi>
      {code ? <span class="row-error-code"> ({code})</span> : null}
    </p>
  );
}
