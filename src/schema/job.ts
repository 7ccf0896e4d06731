import { JOB_STATUSES, type JobStatusWire } from '../contract/hyperparameters.js';
import { createJobOnce } from '../resolvers/create-job-once.js';
import { jobCreation } from '../resolvers/job-creation.js';
import { upstreamIdOf } from '../resolvers/request-id-of.js';
import { orUnknownJob } from '../resolvers/unknown-job.js';
import { orJobConflict } from '../resolvers/job-conflict.js';
import { loadAhead } from '../resolvers/per-key-loader.js';
import { selectedSubfields } from '../resolvers/selected-subfields.js';
import { MAX_LIST_CALLS } from '../resolvers/job-page.js';
import { MAX_PAGE, resolveJobs } from '../resolvers/jobs-connection.js';
import { togetherJobView } from '../providers/together-job.js';
import { togetherSession } from '../resolvers/together-session.js';
import { isUpstreamError } from '../upstream/errors.js';
import { onTogether, providerStatusOf, type JobShape } from '../providers/job-shape.js';
import { gatewayStatusesOf, TOGETHER_STATUSES, type TogetherStatus } from '../upstream/together/job-status.js';
import { BaseModelRef } from './base-model.js';
import { builder } from './builder.js';
import { DatasetRef } from './dataset.js';
import { jobErrorOf, JobErrorRef } from './job-error.js';
import { CreateJobInput } from './hyperparameters.js';
import { jobMetrics, MetricsRef } from './metrics.js';
import { noteJob } from './response-cache-policy.js';

const STATUS_TEXT: Record<JobStatusWire, string> = {
  queued: 'Waiting for capacity.',
  starting: 'Capacity found; training is being set up. Nscale only: a Together job goes from QUEUED to RUNNING.',
  running: 'Training; metrics grow step by step.',
  completed: 'Finished; the adapter can be downloaded or exported.',
  failed: 'Stopped by an error; see `error`.',
  cancelled: "Stopped at the caller's request.",
};

export const JobStatusEnum = builder.enumType('JobStatus', {
  description:
    'Where a job is in its life: QUEUED → STARTING (Nscale only) → RUNNING → COMPLETED, or FAILED, or CANCELLED.',
  values: Object.fromEntries(
    JOB_STATUSES.map((status) => [status.toUpperCase(), { value: status, description: STATUS_TEXT[status] }]),
  ) as Record<Uppercase<JobStatusWire>, { value: JobStatusWire; description: string }>,
});

/** Together's statuses (its OpenAPI `FinetuneJobStatus`), what each means, for `Job.providerStatus`. */
const TOGETHER_STATUS_TEXT: Record<TogetherStatus, string> = {
  pending: 'accepted, not yet scheduled',
  queued: 'waiting for GPUs',
  running: 'training',
  compressing: 'training done, the output weights being compressed',
  uploading: 'training done, the output being stored',
  cancel_requested: 'a cancel asked for and not yet done: a step may still land',
  cancelled: 'stopped by a cancel',
  error: 'stopped by an error',
  completed: 'finished, the output ready',
};

/** The `status` a Together status gives: `QUEUED or RUNNING` for `cancel_requested`, by whether the training started. */
const togetherStatusGives = (status: TogetherStatus): string =>
  gatewayStatusesOf(status)
    .map((s) => s.toUpperCase())
    .join(' or ');

const PROVIDER_STATUS_TEXT = [
  "The provider's own word for where the job is, as its API reports it: for display, to tell a user what a " +
    'job is doing within its `status` ("Packaging the model…", "Cancelling…"). Branch on `status`, which means ' +
    "the same on every provider; these words are each provider's own, and a provider may add one: show a word " +
    'you do not know as it is. Read with the job, at no extra upstream call; `jobUpdated` and `jobsUpdated` send ' +
    'an event when it alone changes, to a subscription that selects it.',
  `On Nscale: its status as sent, the same as \`status\` in lowercase (${JOB_STATUSES.map((s) => `\`${s}\``).join(', ')}).`,
  'On Together: its `FinetuneJobStatus`, each value shown here with the `status` it gives: ' +
    TOGETHER_STATUSES.map((s) => `\`${s}\` (${TOGETHER_STATUS_TEXT[s]}) → ${togetherStatusGives(s)}`).join('; ') +
    '. So a Together job may stay RUNNING with its training done (`compressing`, then `uploading`: `progress` 1, ' +
    '`estimatedSecondsLeft` 0, for minutes), and keeps its status while it is being cancelled ' +
    '(`cancel_requested`): QUEUED when its training never started (no `startedAt`; it never shows RUNNING), ' +
    'RUNNING when it had.',
  'Null only from a provider that reports no status word of its own.',
].join(' ');

const JOB_NAME =
  'The job name. On Together the name Together gives the trained model, `user/<model>-<name>-<suffix>`, ' +
  'of which the `name` sent to `createJob` is the middle part.';

export const JobRef = builder.objectRef<JobShape>('Job').implement({
  description:
    'A fine-tuning job: a base model trained on a dataset (Nscale) or on uploaded files (Together), ' +
    'as a LoRA adapter or (Together) in full.',
  // graphql-js asks this of every job an answer holds, whatever the query selects of it (an `id` under
  // `@skip` included): a cached answer lives as long as the status of each of its jobs allows, and
  // leaves when one of them changes.
  isTypeOf: (job, ctx) => {
    noteJob(ctx, (job as JobShape).id, (job as JobShape).status);
    return true;
  },
  fields: (t) => ({
    id: t.exposeID('id', {
      description: "The job's id: Nscale's as the upstream gives it; on Together, `together:` and Together's id.",
    }),
    name: t.exposeString('name', { description: JOB_NAME }),
    status: t.field({
      type: JobStatusEnum,
      description: 'Where the job is in its life.',
      resolve: (job) => job.status,
    }),
    providerStatus: t.string({
      nullable: true,
      description: PROVIDER_STATUS_TEXT,
      resolve: (job) => providerStatusOf(job),
    }),
    baseModelId: t.exposeID('baseModelId', { description: 'Id of the base model being fine-tuned.' }),
    baseModel: t.field({
      type: BaseModelRef,
      nullable: true,
      description: 'The base model being fine-tuned; null if the catalogue no longer lists it.',
      resolve: (job, _args, ctx) => ctx.loaders().baseModel.load(job.baseModelId),
    }),
    dataset: t.field({
      type: DatasetRef,
      nullable: true,
      description:
        'The dataset the job trains on; null once that dataset has been deleted, and always null on ' +
        'Together (no datasets: see `trainingFileId`).',
      resolve: async (job, _args, ctx) => {
        if (onTogether(job)) return null;
        try {
          return await ctx.loaders().dataset.load(job.dataset.id);
        } catch (error) {
          if (isUpstreamError(error) && error.code === 'NOT_FOUND') return null;
          throw error;
        }
      },
    }),
    datasetId: t.id({
      nullable: true,
      description: 'Id of the dataset the job trains on; null on Together, which has no datasets.',
      resolve: (job) => (onTogether(job) ? null : job.dataset.id),
    }),
    promptColumn: t.string({
      nullable: true,
      description: 'Column of the dataset holding the prompts, if any; null on Together (samples are JSONL).',
      resolve: (job) => (onTogether(job) ? null : job.dataset.promptColumn),
    }),
    answerColumn: t.string({
      nullable: true,
      description: 'Column of the dataset holding the answers; null on Together (samples are JSONL).',
      resolve: (job) => (onTogether(job) ? null : job.dataset.answerColumn),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the job was created.' }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When training started; null before.',
    }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the job reached a final status; null before.',
    }),
    error: t.field({
      type: JobErrorRef,
      nullable: true,
      description: 'Why the job failed; null unless FAILED.',
      resolve: jobErrorOf,
    }),
    metrics: t.field({
      type: MetricsRef,
      nullable: true,
      description: 'Training progress: the loss curve and totals.',
      resolve: (job, _args, ctx) => jobMetrics(job, ctx),
    }),
  }),
});

const JobConnection = builder.connectionObject(
  { type: JobRef, name: 'JobConnection', description: 'A page of jobs, newest first.' },
  { name: 'JobEdge', description: 'A job in a page of jobs.' },
);
builder.objectField(JobConnection, 'totalCount', (t) =>
  t.int({ description: 'How many jobs match, across all pages.', resolve: (connection) => connection.totalCount }),
);

builder.queryFields((t) => ({
  jobs: t.field({
    type: JobConnection,
    description: [
      "The organization's jobs, newest first, a page at a time.",
      'Paging forward with `after` is stable: each job that existed when the first page was read is ' +
        'seen exactly once, however many jobs are created meanwhile (with `status`, jobs that leave or ' +
        'enter that status meanwhile may be missed or appear).',
      `A page after a cursor costs at most ${MAX_LIST_CALLS} upstream calls: up to ` +
        `${MAX_LIST_CALLS - 1} to find the cursor's place, then 1 to fill the page.`,
      '`totalCount` and `hasNextPage` describe the list as it is now.',
      'On Together, which lists jobs whole and unpaged, the gateway pages the list the same way, with ' +
        'the same cursors: a page costs one upstream call.',
    ].join(' '),
    args: {
      first: t.arg.int({
        defaultValue: 20,
        required: true,
        description: `How many jobs, from 1 to ${MAX_PAGE}; default 20.`,
      }),
      after: t.arg.string({
        description: [
          'The `endCursor` of the previous page, read with the same `status`: the page starts right after ' +
            'that job, wherever new jobs have pushed it.',
          'If that job has since left the list (it changed status), the page starts at the first job ' +
            'created before it, or in the same millisecond (such a job may then appear twice, but none is skipped).',
          `A cursor that is not one of this connection, that was read with another \`status\` or on another provider, or whose ` +
            `place cannot be found within ${MAX_LIST_CALLS - 1} upstream calls (the list changed by hundreds ` +
            `of jobs) is BAD_USER_INPUT naming \`after\`: start again from the first page.`,
        ].join(' '),
      }),
      status: t.arg({
        type: JobStatusEnum,
        description: 'Only jobs with this status (now: a job is listed by the status it has when the page is read).',
      }),
    },
    resolve: (_root, args, ctx) => resolveJobs(args, ctx),
  }),
  job: t.field({
    type: JobRef,
    nullable: true,
    description:
      'One job by id; null with a NOT_FOUND error when the caller cannot see it. Its `metrics`, ' +
      '`events` and `checkpoints`, when selected, are asked of the upstream together with the job, not after it. ' +
      "With the response cache on, a job the same caller's `jobs` page read from Nscale less than its " +
      "status's time-to-live ago is taken from that page, and the answer is cached only for what is left of that time.",
    args: { id: t.arg.id({ required: true, description: 'The job id.' }) },
    resolve: (_root, args, ctx, info) => {
      const id = upstreamIdOf(ctx, args.id);
      const loaders = ctx.loaders();
      const together = togetherSession(ctx);
      // A job the caller's Nscale list page read a moment before, on a query the response cache serves.
      const listed = together ? undefined : ctx.listedJobs?.recall(id);
      if (listed) loaders.job.prime(id, listed);
      // What the selection reads of the job's upstream is asked for with the job, not after its answer:
      // one round trip, not two. The fields then read the same loads (a job the upstream does not show
      // costs these calls too).
      const selected = selectedSubfields(info);
      if (selected.has('metrics')) loadAhead(loaders.metrics, id);
      if (together) {
        if (selected.has('events')) loadAhead(loaders.events, id);
        if (selected.has('checkpoints')) loadAhead(loaders.checkpoints, id);
      }
      return orUnknownJob(ctx, args.id, loaders.job.load(id));
    },
  }),
}));

builder.mutationFields((t) => ({
  createJob: t.field({
    type: JobRef,
    description:
      'Start a fine-tuning job. It is billed by the tokens it trains on (`costEstimate` prices it): on Nscale at ' +
      'least $2.00 a job; Together has no minimum. The input is checked in full first, against the provider’s own rules (see ' +
      '`HyperparametersInput`): an invalid job never reaches the upstream, and each problem comes back as its ' +
      'own BAD_USER_INPUT error naming its input path (`extensions.field`): on Together also that the files ' +
      'suit the training chosen, where Together reported their rows. What only Together can check (that the ' +
      'job of `fromCheckpoint` exists, the files whose rows it did not report) is its refusal, a ' +
      'BAD_USER_INPUT naming the field the same way. Check the data and the price first with `analyzeDataset` ' +
      'and `costEstimate`. With `input.idempotencyKey`, a retry of the same job by the same caller within 24 hours ' +
      'creates nothing more and answers the job the first request created (see `CreateJobInput.idempotencyKey`).',
    args: { input: t.arg({ type: CreateJobInput, required: true, description: 'The job to start.' }) },
    resolve: async (_root, { input }, ctx): Promise<JobShape> =>
      createJobOnce(ctx, input.idempotencyKey, input, await jobCreation(input, ctx)),
  }),
  cancelJob: t.field({
    type: JobRef,
    description:
      'Cancel a job that is QUEUED, STARTING or RUNNING. A job already finished gives CONFLICT, alike on every ' +
      'provider: naming the argument (`extensions.field`: `id`), the job’s status and the statuses a cancel takes, ' +
      'then the provider’s own words, quoted. The job is answered as the provider then reports it: CANCELLED on ' +
      'Nscale; on Together still in the status it had (`providerStatus` `cancel_requested`) until Together has ' +
      'stopped it, which `jobUpdated` then delivers as CANCELLED: RUNNING if its training had started (a step may ' +
      'still land meanwhile), QUEUED if it never started (it never shows RUNNING).',
    args: { id: t.arg.id({ required: true, description: 'The job id.' }) },
    resolve: (_root, args, ctx) => {
      const id = upstreamIdOf(ctx, args.id);
      const together = togetherSession(ctx);
      const cancelled: Promise<JobShape> = together
        ? together.client.cancelJob(together.creds, id, ctx.call).then(togetherJobView)
        : ctx.services.client.cancelJob(ctx.credentials(), id, ctx.call);
      const argument = { id: args.id, field: 'id', upstreamId: id };
      return orUnknownJob(ctx, args.id, orJobConflict(ctx, 'cancel', argument, cancelled));
    },
  }),
}));
