/**
 * What a Together job records of its run besides metrics: its event log and its saved checkpoints.
 * Nscale keeps neither: both fields are null there, as their descriptions say (`providers` lists
 * which provider has `events` and `checkpoints`).
 */
import { onTogether } from '../providers/job-shape.js';
import { publicIdsInText } from '../providers/together-public-ids.js';
import { JobRef } from './job.js';
import { builder } from './builder.js';
import { artifactOf, togetherDownloadUrl } from './job-provider-fields.js';
import type { DownloadTarget } from '../resolvers/download-link.js';
import { togetherSession } from '../resolvers/together-session.js';
import type { TogetherCheckpoint, TogetherEvent } from '../upstream/together/wire-job-reads.js';

// No `id`: Together gives an event no identity (its `hash` is not documented, and empty on the simulator), and
// none made up here would be stable (a position shifts if Together ever drops old entries; a time and a type
// may repeat within a second). A client cache keeps events inside their job's `events` list.
const JobEventRef = builder.objectRef<TogetherEvent>('JobEvent').implement({
  description:
    "One entry of a job's event log (Together). It has no id (Together gives its events none): a normalized " +
    "client cache keeps the log as a value of its job's `events`.",
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
    type: t.exposeString('type', { description: "Together's event type, such as `job_start` or `checkpoint_save`." }),
    level: t.exposeString('level', { nullable: true, description: '`info`, `warning` or `error`, when given.' }),
    message: t.string({
      description:
        'What happened, in Together’s words, with the ids it names (a job’s, a file’s) in the form this API ' +
        'takes (`together:file-…`), so that they can be sent back.',
      resolve: (event) => publicIdsInText(event.message),
    }),
    step: t.exposeInt('step', { nullable: true, description: 'The training step it happened at, when it has one.' }),
  }),
});

/**
 * A checkpoint with what its download needs of its job (Together's id and the job's kind of weights),
 * and its job's id as the API gives it (`together:ft-…`), which its own id starts with.
 */
type JobCheckpoint = TogetherCheckpoint & { of: Pick<DownloadTarget, 'jobId' | 'artifact'>; ofJob: string };

const JobCheckpointRef = builder.objectRef<JobCheckpoint>('JobCheckpoint').implement({
  description:
    'A checkpoint a job saved (Together): training can continue from it (`CreateJobInput.fromCheckpoint`: `<job id>:<step>`).',
  fields: (t) => ({
    id: t.id({
      description:
        "The id of the checkpoint: its job's id and its step, `<job id>:<step>` (as `fromCheckpoint` takes it), " +
        'for an intermediate checkpoint; `<job id>:final` for the final one (which may have been saved at the same ' +
        'step as an intermediate one, after early stopping). The same on every read, unique among checkpoints: ' +
        'for a normalized client cache.',
      resolve: (checkpoint) => `${checkpoint.ofJob}:${checkpoint.final ? 'final' : checkpoint.step}`,
    }),
    step: t.exposeInt('step', { description: 'The training step it was saved at.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was saved.' }),
    final: t.exposeBoolean('final', { description: 'Whether it is the final model rather than an intermediate one.' }),
    label: t.exposeString('label', { description: 'Together’s label, such as "Intermediate (step 10)".' }),
    downloadUrl: t.string({
      nullable: true,
      description:
        "A short-lived URL of this checkpoint's weights (a .tar.gz: the adapter of a LoRA job, the model of a " +
        'full one) that needs no credentials, like `Job.downloadUrl` on Together (the final checkpoint’s is ' +
        'the same link): a link of this gateway, which fetches them from Together with your key, for ' +
        'DOWNLOAD_LINK_TTL_SECONDS (10 minutes by default). Null only with an error saying why it could not be made.',
      resolve: (checkpoint, _args, ctx) => {
        const together = togetherSession(ctx);
        // `checkpoints` is answered on Together only.
        if (!together) throw new Error('a Together checkpoint outside a Together request');
        const step = checkpoint.final ? null : checkpoint.step;
        return togetherDownloadUrl(ctx, together, { ...checkpoint.of, step });
      },
    }),
  }),
});

builder.objectFields(JobRef, (t) => ({
  events: t.field({
    type: [JobEventRef],
    nullable: true,
    description: "The job's event log, oldest first (Together). Null on Nscale, which keeps no event log.",
    resolve: (job, _args, ctx) => {
      if (!togetherSession(ctx) || !onTogether(job)) return null;
      return ctx.loaders().events.load(job.upstreamJobId);
    },
  }),
  checkpoints: t.field({
    type: [JobCheckpointRef],
    nullable: true,
    description:
      'The checkpoints the job saved, newest first (Together). Null on Nscale, which keeps only the final adapter.',
    resolve: async (job, _args, ctx) => {
      if (!togetherSession(ctx) || !onTogether(job)) return null;
      const of = { jobId: job.upstreamJobId, artifact: artifactOf(job) };
      const checkpoints = await ctx.loaders().checkpoints.load(job.upstreamJobId);
      return checkpoints.map((checkpoint) => ({ ...checkpoint, of, ofJob: job.id }));
    },
  }),
}));
