/**
 * The `Job` fields that tell the providers apart: which provider runs a job, its settings (read from
 * each provider's own shape), Together's files (where Nscale has a dataset), and the download link,
 * which each provider serves its own way.
 */
import { publicId } from '../providers/provider-ids.js';
import { togetherSession } from '../resolvers/together-session.js';
import { togetherHyperparameters } from '../providers/together-job.js';
import { builder } from './builder.js';
import { HyperparametersRef } from './hyperparameters.js';
import { onTogether } from '../providers/job-shape.js';
import { JobRef } from './job.js';
import { ProviderEnum } from './provider.js';

builder.objectFields(JobRef, (t) => ({
  hyperparameters: t.field({
    type: HyperparametersRef,
    description: 'The training settings.',
    resolve: async (job, _args, ctx) => {
      if (!onTogether(job)) return job.hyperparameters;
      const limits = (await ctx.loaders().baseModel.load(job.baseModelId))?.togetherLimits;
      const range = job.hyperparameters.trainingType === 'full' ? limits?.full : limits?.lora;
      return togetherHyperparameters(job, range?.max ?? null);
    },
  }),
  provider: t.field({
    type: ProviderEnum,
    description: 'The provider running the job.',
    resolve: (job) => (onTogether(job) ? 'together' : 'nscale'),
  }),
  trainingFileId: t.id({
    nullable: true,
    description: 'Together: the training file (`uploadFile`’s id). Null on Nscale, where the dataset holds it.',
    resolve: (job) => (onTogether(job) && job.trainingFileId ? publicId('together', job.trainingFileId) : null),
  }),
  validationFileId: t.id({
    nullable: true,
    description: 'Together: the validation file, if any. Null on Nscale, where the dataset holds it.',
    resolve: (job) => (onTogether(job) && job.validationFileId ? publicId('together', job.validationFileId) : null),
  }),
  downloadUrl: t.string({
    nullable: true,
    description:
      'A short-lived URL of the trained adapter (a .tar.gz); null until the job is COMPLETED. Ask again when it has expired. ' +
      'On Together: its download endpoint for the adapter (LoRA) or the merged weights (full ' +
      'training), served to the holder of the account’s key.',
    resolve: async (job, _args, ctx) => {
      if (job.status !== 'completed') return null;
      const together = togetherSession(ctx);
      if (together && onTogether(job)) {
        const artifact = job.hyperparameters.trainingType === 'full' ? 'merged' : 'adapter';
        return (await together.client.getDownloadUrl(together.creds, job.upstreamJobId, { ...ctx.call, artifact }))
          .href;
      }
      return (await ctx.services.client.getDownloadUrl(ctx.credentials(), job.id, ctx.call)).href;
    },
  }),
}));
