/**
 * One job, live through `jobUpdated`: status and progress, the loss chart, hyperparameters, dataset,
 * timestamps, the error of a failed job; cancel, download the adapter, export to Hugging Face, where
 * the provider can (its capabilities): a Together job trains on files, not a dataset, and exports to
 * Hugging Face only as it is created.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request, subscribe } from './api';
import { formatTime, statusLabel } from './format';
import type { JobDetailSubscription } from './gql/graphql';
import { HuggingFaceExportForm } from './hugging-face-export-form';
import { LossChart } from './loss-chart';
import { CancelJob, JobDetail as JobDetailDocument } from './operations';
import { ProgressBar } from './progress-bar';
import type { ProviderInfo } from './use-providers';

type Job = JobDetailSubscription['jobUpdated'];
const ACTIVE = new Set(['QUEUED', 'STARTING', 'RUNNING']);

type Capabilities = ProviderInfo['capabilities'] | null;

export function JobPage({ id, capabilities }: { id: string; capabilities: Capabilities }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    const subscription = subscribe(
      JobDetailDocument,
      { id },
      {
        onData: (data) => setJob(data.jobUpdated),
        onError: (e) => setError(e.message),
        onComplete: () => setLive(false),
      },
    );
    return () => subscription.stop();
  }, [id]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await request(CancelJob, { id });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setCancelling(false);
    }
  };

  if (!job) return <JobLoading error={error} />;
  const m = job.metrics;
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
        <h1 id="job-title">{job.name}</h1>
        <span class={`status status-${job.status.toLowerCase()}`} data-testid="job-status">
          {statusLabel(job.status)}
        </span>
      </div>
      <p class="muted">{live ? 'Live: updates as the job changes.' : 'Final state.'}</p>
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
      />
      <JobActions job={job} cancelling={cancelling} onCancel={capabilities?.cancel === false ? null : cancel} />
      <h2>Loss</h2>
      <LossChart points={m?.points ?? []} totalSteps={m?.trainingSteps ?? null} best={best} />
      <div class="grid">
        <JobDetails job={job} />
        <JobHyperparameters hyperparameters={job.hyperparameters} />
      </div>
      {/* Exporting an ended job (exportJobToHuggingFace) is Nscale's: Together, whose capability says it
          exports, does so only as the job is created. */}
      {job.status === 'COMPLETED' && job.provider === 'NSCALE' && capabilities?.huggingFaceExport !== false ? (
        <HuggingFaceExportForm jobId={job.id} />
      ) : null}
    </section>
  );
}

function JobActions(props: { job: Job; cancelling: boolean; onCancel: (() => void) | null }) {
  const { job, cancelling, onCancel } = props;
  return (
    <div class="actions">
      {ACTIVE.has(job.status) && onCancel ? (
        <button type="button" class="danger" disabled={cancelling} onClick={onCancel}>
          {cancelling ? 'Cancelling…' : 'Cancel job'}
        </button>
      ) : null}
      {job.downloadUrl ? (
        <a class="button" href={job.downloadUrl} download>
          Download the adapter (.tar.gz)
        </a>
      ) : null}
    </div>
  );
}

function JobDetails({ job }: { job: Job }) {
  return (
    <div class="card">
      <h2>Details</h2>
      <dl>
        <dt>Model</dt>
        <dd>{job.baseModel?.name ?? job.baseModelId}</dd>
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

/** A job that trains on a dataset (Nscale): the dataset, its files and the columns read. */
function JobDataset({ job }: { job: Job }) {
  return (
    <>
      <dt>Dataset</dt>
      <dd>
        {job.dataset ? job.dataset.name : `${job.datasetId} (deleted)`}
        {job.dataset?.trainingFile ? ` · training ${job.dataset.trainingFile.name}` : ''}
        {job.dataset?.validationFile ? ` · validation ${job.dataset.validationFile.name}` : ''}
      </dd>
      <dt>Columns</dt>
      <dd>
        prompt {job.promptColumn ?? '—'}, answer {job.answerColumn}
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

function JobLoading({ error }: { error: string | null }) {
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
    </section>
  );
}
