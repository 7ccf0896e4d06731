/**
 * `Job.fromCheckpoint`: what a Together job continued training from, shown back in the form
 * `createJob`'s `fromCheckpoint` takes, so that a job's settings can be read and sent again.
 */
import { publicId } from '../providers/provider-ids.js';
import { onTogether } from '../providers/job-shape.js';
import { builder } from './builder.js';
import { JobRef } from './job.js';

builder.objectFields(JobRef, (t) => ({
  fromCheckpoint: t.string({
    nullable: true,
    description:
      'Together: the checkpoint the job continued training from, as Together reports the job (`from_checkpoint`), ' +
      'in the form `CreateJobInput.fromCheckpoint` takes: `<job id>` (that job’s final checkpoint) or ' +
      '`<job id>:<step>`, the id as the gateway gives it out (`together:ft-…`). A job continued from an output ' +
      'model name outside the gateway shows that name the same way (`together:<name>`, which `createJob` takes ' +
      'too). Null for a job that continued none (trained from its base model, or from a Hugging Face model), and ' +
      'on Nscale, where a job cannot continue another.',
    // The inverse of the input's reading (`checkpointOf` in resolvers/validate-together-job.ts), which
    // takes the gateway's prefix off whatever follows it: so the value shown is one createJob takes back.
    resolve: (job) =>
      onTogether(job) && job.fromCheckpoint !== null ? publicId('together', job.fromCheckpoint) : null,
  }),
}));
