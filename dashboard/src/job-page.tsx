/**
 * One job, live through `jobUpdated`: status and progress, the loss chart, hyperparameters, dataset,
 * timestamps, the error of a failed job; cancel, download the trained weights (the adapter of a LoRA
 * job, the model of a full one), export to Hugging Face, where the provider can (its capabilities): a
 * Together job trains on files, not a dataset, and exports to Hugging Face only as it is created.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request, subscribe, type LiveState } from './api';
import { formatTime, statusLabel } from './format';
import type { JobDetailSubscription } from './gql/graphql';
import { HuggingFaceExportForm } from './hugging-face-export-form';
import { JobHistoryCard } from './job-history';
import { ReconnectButton, useLiveState } from './live-status';
import { LossChart } from './loss-chart';
import { CancelJob, JobDetail as JobDetailDocument } from './operations';
import { ProgressBar } from './progress-bar';
import type { ProviderInfo } from './use-providers';

type Job = JobDetailSubscription['jobUpdated'];
const ACTIVE = new Set(['QUEUED', 'STARTING', 'RUNNING']);

type Capabilities = ProviderInfo['capabilities'] | null;

/**
 * The job's subscription: the job, the error that ended it, and whether it ended (`jobUpdated`
 * completes after a final status). Sent anew on a new WebSocket after a lost one (a gateway restart),
 * it starts with the job's current state again, so an error shown from before is dropped then, and
 * with each event.
 */
function useLiveJob(id: string) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const subscription = subscribe(
      JobDetailDocument,
      { id },
      {
        onData: (data) => {
          setJob(data.jobUpdated);
          setError(null);
        },
        onError: (e) => setError(e.message),
        onComplete: () => setEnded(true),
        onResubscribed: () => setError(null),
      },
    );
    return () => subscription.stop();
  }, [id, attempt]);

  const reconnect = () => {
    setEnded(false);
    setAttempt((n) => n + 1);
  };
  return { job, error, ended, reconnect };
}

/** Cancels the job; its error is kept until the next try, or until the connection is back when it was that. */
function useCancel(id: string, live: LiveState) {
  const [cancelError, setCancelError] = useState<ApiError | null>(null);
  const [cancelling, setCancelling] = useState(false);

  // "The gateway cannot be reached" is stale once the connection is back.
  useEffect(() => {
    if (live === 'live') setCancelError((e) => (e?.code === 'NETWORK' ? null : e));
  }, [live]);

  /** Whether the job was cancelled (its new status comes with the next event). */
  const cancel = async (): Promise<boolean> => {
    setCancelling(true);
    setCancelError(null);
    try {
      await request(CancelJob, { id });
      return true;
    } catch (e) {
      setCancelError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
      return false;
    } finally {
      setCancelling(false);
    }
  };
  return { cancel, cancelling, cancelError };
}

export function JobPage({ id, capabilities }: { id: string; capabilities: Capabilities }) {
  const { job, error, ended, reconnect } = useLiveJob(id);
  const live = useLiveState();
  const { cancel, cancelling, cancelError } = useCancel(id, live);

  if (!job) return <JobLoading error={error} onReconnect={live === 'lost' ? reconnect : null} />;
  const m = job.metrics;
  const final = !ACTIVE.has(job.status);
  const best =
    m?.bestValidationLoss != null && m.bestValidationLossStep != null
      ? { loss: m.bestValidationLoss, step: m.bestValidationLossStep }
      : null;
  return (
    <section aria-labelledby="job-title">
      <p>
        <a href="#/jobs">← Jobs</a>
      </p>
      <div class="heading">
        <h1 id="job-title">
          <bdi>{job.name}</bdi>
        </h1>
        <span class={`status status-${job.status.toLowerCase()}`} data-testid="job-status">
          {statusLabel(job.status)}
        </span>
      </div>
      <div class="live-line">
        <p class="muted" role="status" data-testid="job-live">
          {jobLiveText(ended, final, live)}
        </p>
        {!ended && live === 'lost' ? <ReconnectButton onReconnect={reconnect} /> : null}
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {job.error ? (
        <div class="error" role="alert">
          <strong>Failed ({job.error.code}):</strong> {job.error.message ?? 'the service gave no reason.'}
        </div>
      ) : null}
      <ProgressBar
        fraction={job.progress ?? null}
        step={m?.latest?.step ?? (job.status === 'RUNNING' ? 0 : null)}
        total={m?.trainingSteps ?? null}
        secondsLeft={job.estimatedSecondsLeft ?? null}
        label="Training progress"
        idle={final ? 'no step recorded' : 'waiting'}
      />
      <JobActions
        job={job}
        cancelling={cancelling}
        cancelError={cancelError?.message ?? null}
        onCancel={capabilities?.cancel === false ? null : cancel}
      />
      <h2>Loss</h2>
      <LossChart points={m?.points ?? []} totalSteps={m?.trainingSteps ?? null} best={best} final={final} />
      <div class="grid">
        <JobDetails job={job} />
        <JobHyperparameters hyperparameters={job.hyperparameters} />
      </div>
      {capabilities?.events || capabilities?.checkpoints ? (
        <JobHistoryCard
          id={job.id}
          status={job.status}
          active={!final}
          wanted={{ events: capabilities.events, checkpoints: capabilities.checkpoints }}
        />
      ) : null}
      {/* Exporting an ended job (exportJobToHuggingFace) is Nscale's: Together, whose capability says it
          exports, does so only as the job is created. */}
      {job.status === 'COMPLETED' && job.provider === 'NSCALE' && capabilities?.huggingFaceExport !== false ? (
        <HuggingFaceExportForm jobId={job.id} />
      ) : null}
    </section>
  );
}

/** Whether the page still follows the job: from the subscription's end, the job's status and the connection. */
function jobLiveText(ended: boolean, final: boolean, live: LiveState): string {
  if (ended) return final ? 'Final state.' : 'Updates stopped.';
  switch (live) {
    case 'live':
      return final ? 'Final state.' : 'Live: updates as the job changes.';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return 'Reconnecting… The job is shown as last seen.';
    case 'lost':
      return 'Not live: the connection to the gateway was lost. The job is shown as last seen.';
  }
}

/**
 * Cancel (asked twice, as deleting a webhook endpoint is: a job cancelled cannot be resumed, and
 * what it ran is paid), and the download of what the job trained: the adapter of a LoRA job, the
 * model of a job that trained every weight (full training, Together: its settings have no LoRA).
 */
function JobActions(props: {
  job: Job;
  cancelling: boolean;
  cancelError: string | null;
  onCancel: (() => Promise<boolean>) | null;
}) {
  const { job, cancelling, onCancel } = props;
  const [confirming, setConfirming] = useState(false);
  // Cancelled: the buttons stay disabled until the job's next event shows its new status.
  const [requested, setRequested] = useState(false);
  const busy = cancelling || requested;
  const cancellable = ACTIVE.has(job.status) && onCancel;
  return (
    <>
      {props.cancelError ? (
        <p class="error" role="alert">
          {props.cancelError}
        </p>
      ) : null}
      <div class="actions">
        {cancellable && confirming ? (
          <>
            <button type="button" class="danger" disabled={busy} onClick={() => void onCancel().then(setRequested)}>
              {busy ? 'Cancelling…' : 'Cancel the job for good'}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              {job.status === 'RUNNING' ? 'Keep it running' : 'Keep the job'}
            </button>
          </>
        ) : null}
        {cancellable && !confirming ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Cancel job
          </button>
        ) : null}
        {job.downloadUrl ? (
          <a class="button" href={job.downloadUrl} download>
            Download the {job.hyperparameters.lora ? 'adapter' : 'model'} (.tar.gz)
          </a>
        ) : null}
      </div>
    </>
  );
}

function JobDetails({ job }: { job: Job }) {
  return (
    <div class="card">
      <h2>Details</h2>
      <dl>
        <dt>Model</dt>
        <dd>
          <bdi>{job.baseModel?.name ?? job.baseModelId}</bdi>
        </dd>
        {job.trainingFileId ? <JobFiles job={job} /> : <JobDataset job={job} />}
        <dt>Created</dt>
        <dd>{formatTime(job.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(job.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(job.completedAt)}</dd>
      </dl>
    </div>
  );
}

/**
 * A job that trains on a dataset (Nscale): the dataset, its files and the columns read. Their names
 * are the user's, each isolated (`<bdi>`): a right-to-left override in one (U+202E) stays inside it
 * instead of turning the dashboard's own words around it.
 */
function JobDataset({ job }: { job: Job }) {
  const { dataset } = job;
  return (
    <>
      <dt>Dataset</dt>
      <dd>
        {dataset ? (
          <bdi>{dataset.name}</bdi>
        ) : (
          <>
            <bdi>{job.datasetId}</bdi> (deleted)
          </>
        )}
        {dataset?.trainingFile ? (
          <>
            {' · training '}
            <bdi>{dataset.trainingFile.name}</bdi>
          </>
        ) : null}
        {dataset?.validationFile ? (
          <>
            {' · validation '}
            <bdi>{dataset.validationFile.name}</bdi>
          </>
        ) : null}
      </dd>
      <dt>Columns</dt>
      <dd>
        prompt {job.promptColumn ? <bdi>{job.promptColumn}</bdi> : '—'}, answer <bdi>{job.answerColumn}</bdi>
      </dd>
    </>
  );
}

/** A job that trains on uploaded files (Together, no datasets): their ids. */
function JobFiles({ job }: { job: Job }) {
  return (
    <>
      <dt>Training file</dt>
      <dd>
        <code>{job.trainingFileId}</code>
      </dd>
      <dt>Validation file</dt>
      <dd>{job.validationFileId ? <code>{job.validationFileId}</code> : 'none'}</dd>
    </>
  );
}

function JobHyperparameters({ hyperparameters: h }: { hyperparameters: Job['hyperparameters'] }) {
  return (
    <div class="card">
      <h2>Hyperparameters</h2>
      <dl>
        <dt>Epochs</dt>
        <dd>{h.nEpochs}</dd>
        <dt>Evaluations</dt>
        <dd>{h.nEvals}</dd>
        <dt>Batch size</dt>
        <dd>{h.batchSize}</dd>
        <dt>Learning rate</dt>
        <dd>{h.learningRate}</dd>
        <dt>Warmup ratio</dt>
        <dd>{h.warmupRatio}</dd>
        <dt>Weight decay</dt>
        <dd>{h.weightDecay}</dd>
        <dt>Best checkpoint kept</dt>
        <dd>{h.bestCheckpoints ? 'yes' : 'no'}</dd>
        <dt>Prompt masked in loss</dt>
        <dd>{h.maskPromptLabels ? 'yes' : 'no'}</dd>
        <dt>LoRA</dt>
        {h.lora ? (
          <dd>
            r {h.lora.r}, alpha {h.lora.alpha}, dropout {h.lora.dropout}, modules{' '}
            {h.lora.trainableModules.length ? h.lora.trainableModules.join(', ').toLowerCase() : 'all linear'}
          </dd>
        ) : (
          <dd>none: every weight trained (full training)</dd>
        )}
      </dl>
    </div>
  );
}

function JobLoading({ error, onReconnect }: { error: string | null; onReconnect: (() => void) | null }) {
  return (
    <section>
      <p>
        <a href="#/jobs">← Jobs</a>
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : (
        <p role="status">Loading the job…</p>
      )}
      {onReconnect ? <ReconnectButton onReconnect={onReconnect} /> : null}
    </section>
  );
}
