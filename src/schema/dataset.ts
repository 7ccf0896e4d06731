import { datasetsById } from '../resolvers/dataset-catalogue.js';
import type { Dataset } from '../upstream/schemas.js';
import { datasetInputProblems, type CreateDatasetArgs } from '../resolvers/validate-dataset-input.js';
import { orUnknownId } from '../resolvers/unknown-id.js';
import { builder } from './builder.js';
import { FileRef } from './file.js';

export const DatasetRef = builder.objectRef<Dataset>('Dataset').implement({
  description: 'Training data for jobs: a training file and, optionally, a validation file.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The upstream id of the dataset, used in `CreateJobInput.dataset.id`.' }),
    name: t.exposeString('name', { description: 'The dataset name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the dataset was created.' }),
    trainingFile: t.field({
      type: FileRef,
      nullable: true,
      description: 'The CSV file training reads.',
      resolve: (dataset, _args, ctx) => ctx.loaders().file.load(dataset.trainingFileId),
    }),
    validationFile: t.field({
      type: FileRef,
      nullable: true,
      description: 'The CSV file evaluation reads; null when the service holds out 1% of the training rows instead.',
      resolve: (dataset, _args, ctx) =>
        dataset.validationFileId ? ctx.loaders().file.load(dataset.validationFileId) : null,
    }),
  }),
});

const CreateDatasetInput = builder.inputType('CreateDatasetInput', {
  description: 'A new dataset made of uploaded files.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The dataset name.' }),
    trainingFileId: t.id({ required: true, description: 'Id of an uploaded CSV file to train on.' }),
    validationFileId: t.id({
      required: false,
      description: 'Id of an uploaded CSV file to evaluate on; without it, 1% of the training rows are held out.',
    }),
  }),
});

/** What to do instead on a provider without datasets (refused there first: schema/guard-ids-and-names.ts). */
const NO_DATASETS = {
  nscaleOnly:
    'Together has no datasets; upload the training file with uploadFile and give its id to costEstimate ' +
    'and createJob as files: { trainingFileId }.',
};

builder.queryFields((t) => ({
  datasets: t.field({
    type: [DatasetRef],
    description: "The organization's datasets.",
    extensions: NO_DATASETS,
    resolve: async (_root, _args, ctx) => {
      const since = ctx.services.datasets?.mark() ?? 0;
      const datasets = await ctx.services.client.listDatasets(ctx.credentials(), ctx.call);
      ctx.services.datasets?.set(ctx.credentials(), datasetsById(datasets), since);
      const loader = ctx.loaders().dataset;
      for (const dataset of datasets) loader.prime(dataset.id, dataset);
      return datasets;
    },
  }),
  dataset: t.field({
    type: DatasetRef,
    nullable: true,
    description:
      'One dataset by id; null with a NOT_FOUND error when the caller cannot see it (naming `id` in ' +
      '`extensions.field`, as `job` does).',
    extensions: NO_DATASETS,
    args: { id: t.arg.id({ required: true, description: 'The dataset id.' }) },
    resolve: (_root, args, ctx) =>
      orUnknownId(ctx, 'dataset', args.id, ctx.loaders().datasetById.load(String(args.id))),
  }),
}));

builder.mutationFields((t) => ({
  createDataset: t.field({
    type: DatasetRef,
    description:
      'Create a dataset from uploaded files. A blank name or a malformed file id is refused before any ' +
      'upstream call, every problem as its own BAD_USER_INPUT error with `extensions.field`; unknown ' +
      'file ids are refused the same way.',
    extensions: {
      ...NO_DATASETS,
      inputProblems: (args: { input: CreateDatasetArgs }) => datasetInputProblems(args.input),
    },
    args: { input: t.arg({ type: CreateDatasetInput, required: true, description: 'The dataset to create.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.client.createDataset(
        ctx.credentials(),
        {
          name: input.name,
          trainingFileId: String(input.trainingFileId),
          validationFileId: input.validationFileId == null ? null : String(input.validationFileId),
        },
        ctx.call,
      ),
  }),
  deleteDataset: t.id({
    description:
      'Delete a dataset; returns its id. Jobs that used it keep running. A dataset the caller cannot see ' +
      'is NOT_FOUND naming `id`, as `dataset` answers it.',
    extensions: NO_DATASETS,
    args: { id: t.arg.id({ required: true, description: 'The dataset id.' }) },
    resolve: async (_root, args, ctx) => {
      try {
        await orUnknownId(
          ctx,
          'dataset',
          args.id,
          ctx.services.client.deleteDataset(ctx.credentials(), String(args.id), ctx.call),
        );
      } finally {
        // Even a failed delete may have happened upstream: the next page reads the list again.
        ctx.services.datasets?.forget(ctx.credentials());
      }
      return String(args.id);
    },
  }),
}));
