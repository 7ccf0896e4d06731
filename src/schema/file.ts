import type { FileColumn, UpstreamFile } from '../upstream/schemas.js';
import { asFileRefusal } from '../resolvers/file-refusal.js';
import { builder } from './builder.js';

const FileColumnRef = builder.objectRef<FileColumn>('FileColumn').implement({
  description: 'A column of an uploaded CSV file, read from its header row, with a preview of its values.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'The column name from the header row; use it as `promptColumn` or `answerColumn`.',
    }),
    type: t.exposeString('type', {
      description: 'The type the upstream inferred from the values, such as `string` or `integer`.',
    }),
    sampleValues: t.field({
      type: ['String'],
      nullable: { list: false, items: true },
      description: 'Up to five values from the first rows, as text (null for an empty cell).',
      resolve: (column) => column.values,
    }),
  }),
});

export const FileRef = builder.objectRef<UpstreamFile>('File').implement({
  description: 'An uploaded CSV file of training or validation data.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The upstream id of the file, used when creating a dataset.' }),
    name: t.exposeString('name', { description: 'The file name given at upload.' }),
    bytes: t.exposeInt('bytes', { description: 'Size of the file in bytes.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the file was uploaded.' }),
    columns: t.field({
      type: [FileColumnRef],
      nullable: true,
      description: 'The columns of the CSV header with sample values; null while the upstream has not read the file.',
      resolve: (file) => file.columns,
    }),
  }),
});

builder.queryFields((t) => ({
  file: t.field({
    type: FileRef,
    nullable: true,
    description: 'One uploaded file by id; null with a NOT_FOUND error when the caller cannot see it.',
    args: { id: t.arg.id({ required: true, description: 'The file id returned by `uploadFile`.' }) },
    resolve: (_root, args, ctx) => ctx.loaders().file.load(String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  uploadFile: t.field({
    type: FileRef,
    description:
      'Upload a CSV file of training or validation data (a GraphQL multipart request). The header row names the columns. ' +
      "The file is streamed to the upstream; one larger than the gateway's limit is refused with BAD_USER_INPUT.",
    args: { file: t.arg({ type: 'Upload', required: true, description: 'The CSV file.' }) },
    resolve: async (_root, args, ctx) => {
      const credentials = ctx.credentials();
      const body = await args.file.open();
      try {
        return await ctx.services.client.uploadFile(
          credentials,
          { filename: args.file.filename, body, contentType: args.file.mimeType },
          ctx.call,
        );
      } catch (error) {
        // A file cut off at the size limit fails the upload midway; the limit is the reason to report.
        throw args.file.failure() ?? asFileRefusal(error);
      } finally {
        body.resume(); // Whatever was not sent is drained, so that the request body ends.
      }
    },
  }),
}));
