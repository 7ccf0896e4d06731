import type { HuggingFaceExport } from '../upstream/schemas.js';
import { upstreamIdOf } from '../resolvers/request-id-of.js';
import { orUnknownJob } from '../resolvers/unknown-job.js';
import { orJobConflict } from '../resolvers/job-conflict.js';
import { exportInputProblems, type ExportArgs } from '../resolvers/validate-export-input.js';
import { builder } from './builder.js';

const HuggingFaceExportRef = builder.objectRef<HuggingFaceExport>('HuggingFaceExport').implement({
  description: "A copy of a job's adapter to a Hugging Face repository, as the upstream accepted it.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The upstream id of the export.' }),
    jobId: t.exposeID('jobId', { description: 'The job whose adapter is exported.' }),
    status: t.exposeString('status', { description: "The upstream's status of the export, such as `pending`." }),
    repositoryId: t.exposeString('repositoryId', { description: 'The Hugging Face repository, `user/repo`.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the export was requested.' }),
  }),
});

const ExportJobToHuggingFaceInput = builder.inputType('ExportJobToHuggingFaceInput', {
  description:
    'Where to export a completed job. The access token is passed to the upstream and never stored, logged or returned.',
  fields: (t) => ({
    jobId: t.id({ required: true, description: 'The job, which must be COMPLETED.' }),
    userId: t.string({ required: true, description: 'The Hugging Face user name.' }),
    accessToken: t.string({ required: true, description: 'A Hugging Face access token with write access (`hf_…`).' }),
    repositoryId: t.string({ required: true, description: 'The target repository, `user/repo`.' }),
  }),
});

builder.mutationFields((t) => ({
  exportJobToHuggingFace: t.field({
    type: HuggingFaceExportRef,
    description:
      'Export the adapter of a COMPLETED job to a Hugging Face repository; any other status gives ' +
      'CONFLICT, naming the argument (`extensions.field`: `jobId`), the job’s status and the rule, then the ' +
      'provider’s own words, quoted. On a provider other than Nscale it is refused first, with BAD_USER_INPUT naming the provider ' +
      '(`extensions.provider`; on Together, choose the export at creation: `CreateJobInput.huggingFaceExport`). ' +
      'Then the user name, repository and token form are checked: every problem is its own BAD_USER_INPUT ' +
      'error with `extensions.field`.',
    extensions: {
      // Refused on another provider before its input is checked (schema/guard-ids-and-names.ts).
      nscaleOnly:
        'Together exports when the job completes, to the repository chosen at creation: createJob’s huggingFaceExport.',
      inputProblems: (args: { input: ExportArgs }) => exportInputProblems(args.input),
    },
    args: {
      input: t.arg({
        type: ExportJobToHuggingFaceInput,
        required: true,
        description: 'The job and the repository to export it to.',
      }),
    },
    resolve: (_root, { input }, ctx) => {
      // An id of Together's (`together:…`) is refused before any call, naming the field.
      const id = upstreamIdOf(ctx, input.jobId, 'jobId');
      const exported = ctx.services.client.exportToHuggingFace(
        ctx.credentials(),
        id,
        { userId: input.userId, accessToken: input.accessToken, repositoryId: input.repositoryId },
        ctx.call,
      );
      const argument = { id: input.jobId, field: 'jobId', upstreamId: id };
      return orUnknownJob(ctx, input.jobId, orJobConflict(ctx, 'export', argument, exported), 'jobId');
    },
  }),
}));
