/**
 * The `Job` fields that tell the providers apart: which provider runs a job, its settings (read from
 * each provider's own shape), Together's files (where Nscale has a dataset), and the download link,
 * which each provider serves its own way.
 */
import { publicId } from '../providers/provider-ids.js';
import type { GatewayContext } from '../resolvers/context.js';
import { togetherDownloadLink, type DownloadTarget } from '../resolvers/download-link.js';
import { togetherSession } from '../resolvers/together-session.js';
import { togetherHyperparameters, type TogetherJobView } from '../providers/together-job.js';
import { builder } from './builder.js';
import { HyperparametersRef } from './job-hyperparameters.js';
import { onTogether } from '../providers/job-shape.js';
import { JobRef } from './job.js';
import { ProviderEnum } from './provider.js';
import { noteValidUntil } from './response-cache-policy.js';

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
  cost: t.float({
    nullable: true,
    description:
      'Together: what the provider charges for the job, in USD (Together’s `total_price`: the billed tokens at ' +
      'the model’s price, known from creation), to compare with the `costEstimate` it was created after. Null on ' +
      'Nscale, whose jobs do not say, and on Together until it does.',
    resolve: (job) => (onTogether(job) ? job.totalPriceUsd : null),
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
      'A short-lived URL of the trained weights (a .tar.gz) that needs no credentials: anyone holding it ' +
      'can fetch it (a browser link works), so share it as you would the weights. Null until the job is ' +
      'COMPLETED; ask again when it has expired. On Nscale: its pre-signed URL of the adapter, valid for ' +
      'a few minutes. On Together: a link of this gateway (`/downloads/…`) to the adapter (LoRA) or the ' +
      'merged weights (full training), which fetches them from Together with your key; it lives ' +
      'DOWNLOAD_LINK_TTL_SECONDS (10 minutes by default), and asking again while more than half of that ' +
      'is left gives the same link.',
    resolve: async (job, _args, ctx) => {
      if (job.status !== 'completed') return null;
      const together = togetherSession(ctx);
      if (together && onTogether(job))
        return togetherDownloadUrl(ctx, together, { jobId: job.upstreamJobId, artifact: artifactOf(job), step: null });
      return (await ctx.services.client.getDownloadUrl(ctx.credentials(), job.id, ctx.call)).href;
    },
  }),
}));

/** The weights a Together job has: its adapter (LoRA), or the merged model (full training's only one). */
export const artifactOf = (job: TogetherJobView): DownloadTarget['artifact'] =>
  job.hyperparameters.trainingType === 'full' ? 'merged' : 'adapter';

/**
 * Together's download of `target` for the caller: a link of the gateway's own (download-link.ts), which
 * a cached answer holds only while a fresh answer would give it too (response-cache-policy.ts); without
 * the gateway's database, Together's own endpoint, which answers only to the key.
 */
export async function togetherDownloadUrl(
  ctx: GatewayContext,
  together: NonNullable<ReturnType<typeof togetherSession>>,
  target: DownloadTarget,
): Promise<string> {
  const links = ctx.services.downloads;
  if (!links) {
    const step = target.step === null ? {} : { step: target.step };
    const url = await together.client.getDownloadUrl(together.creds, target.jobId, {
      ...ctx.call,
      artifact: target.artifact,
      ...step,
    });
    return url.href;
  }
  const link = await togetherDownloadLink(ctx, links, together, target);
  noteValidUntil(ctx, link.reusableUntil);
  return link.url;
}
