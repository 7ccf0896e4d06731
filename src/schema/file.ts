import type { ProviderFile } from '../providers/fine-tuning-provider.js';
import type { FileColumn } from '../upstream/schemas.js';
import { badUserInput } from '../errors/bad-user-input.js';
import { asFileRefusal } from '../resolvers/file-refusal.js';
import { upstreamIdOf } from '../resolvers/request-id-of.js';
import { orUnknownId } from '../resolvers/unknown-id.js';
import { builder } from './builder.js';
import { ProviderEnum } from './provider.js';

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

const CsvColumnsInput = builder.inputType('CsvColumnsInput', {
  description:
    'Which columns of an uploaded CSV become the prompt and the completion of each sample, where the ' +
    'provider trains on converted files (Together).',
  fields: (t) => ({
    promptColumn: t.string({
      description: 'The prompt column; default `prompt`. A blank name is refused.',
    }),
    answerColumn: t.string({
      description:
        'The answer column; default `answer`, else `completion`. A blank name is refused, and so is the ' +
        'prompt column: a sample’s prompt and completion come from two different columns.',
    }),
  }),
});

export const FileRef = builder.objectRef<ProviderFile>('File').implement({
  description: 'An uploaded file of training or validation data.',
  fields: (t) => ({
    id: t.exposeID('id', {
      description:
        'The id of the file: on Nscale, used when creating a dataset; on Together (`together:…`), named ' +
        'directly by `createJob`/`costEstimate` in `files`.',
    }),
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider holding the file.',
      resolve: (f) => f.provider,
    }),
    validationError: t.string({
      nullable: true,
      description:
        'Why the provider found the file unusable for training, when it checks uploads itself ' +
        '(Together); null when it is usable, and always null on Nscale (its checks run when a job starts).',
      resolve: (f) => f.validationError ?? null,
    }),
    name: t.exposeString('name', {
      description:
        'The file name given at upload. On Together a CSV is stored converted to JSONL, under the same ' +
        'name with `.jsonl` for `.csv` (`qa.csv` is `qa.jsonl`).',
    }),
    bytes: t.exposeInt('bytes', { description: 'Size of the file in bytes.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the file was uploaded.' }),
    columns: t.field({
      type: [FileColumnRef],
      nullable: true,
      description:
        'The columns of the CSV header with sample values; null while the upstream has not read the ' +
        'file, and always null on Together (it stores the CSV converted to JSONL).',
      resolve: (file) => file.columns,
    }),
  }),
});

builder.queryFields((t) => ({
  file: t.field({
    type: FileRef,
    nullable: true,
    description:
      'One uploaded file by id; null with a NOT_FOUND error when the caller cannot see it (naming `id` in ' +
      '`extensions.field`, worded alike on every provider).',
    args: { id: t.arg.id({ required: true, description: 'The file id returned by `uploadFile`.' }) },
    resolve: (_root, args, ctx) =>
      orUnknownId(ctx, 'file', args.id, ctx.loaders().file.load(upstreamIdOf(ctx, args.id))),
  }),
}));

builder.mutationFields((t) => ({
  uploadFile: t.field({
    type: FileRef,
    description:
      'Upload a CSV file of training or validation data (a GraphQL multipart request). The header row names the columns. ' +
      "The file is streamed to the upstream; one larger than the gateway's limit is refused with BAD_USER_INPUT. " +
      'Each `uploadFile` field reads its own file part, once: an Upload variable read by two fields of an ' +
      'operation is refused with BAD_USER_INPUT before anything is uploaded (send the file once for each ' +
      'field, as separate parts mapped to separate variables). ' +
      'On Together a JSONL file (….jsonl) goes as is, and a CSV is converted to JSONL samples on the way (see `csvColumns`). ' +
      'A file Together stored but did not answer for (its read-back failed, or the clean-up of a failed ' +
      'upload did) is UPSTREAM_OUTCOME_UNKNOWN with the id in `extensions.fileId`: ask for it with `file` ' +
      'instead of uploading it again. On Nscale, an upload sent whole whose answer was lost (or was an ' +
      'HTTP 500, 502 or 504) is UPSTREAM_OUTCOME_UNKNOWN without an id: the file may be stored, and ' +
      'uploading it again stores another copy.',
    args: {
      file: t.arg({ type: 'Upload', required: true, description: 'The CSV file (on Together, CSV or JSONL).' }),
      csvColumns: t.arg({
        type: CsvColumnsInput,
        description:
          'Together only, and CSV files only: the CSV columns that become prompt and completion. Refused ' +
          'with a JSONL file (sent as it is), and on Nscale, where a job names its columns ' +
          '(`dataset.promptColumn`, `dataset.answerColumn`).',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const { provider, credentials } = ctx.session();
      if (args.csvColumns && provider.api.name !== 'together')
        throw badUserInput(
          'csvColumns',
          `csvColumns: not available on provider ${provider.api.name}: a job there names its columns ` +
            `(dataset.promptColumn, dataset.answerColumn)`,
        );
      // As given, blanks included: the Together client refuses a blank column, and columns given with a
      // JSONL file, where dropping them here let the default column, or nothing, be used without a word.
      const given = args.csvColumns;
      const csv =
        given == null
          ? undefined
          : {
              ...(given.promptColumn != null ? { promptColumn: given.promptColumn } : {}),
              ...(given.answerColumn != null ? { answerColumn: given.answerColumn } : {}),
            };
      const body = await args.file.open();
      try {
        return await provider.api.uploadFile(
          credentials,
          { filename: args.file.filename, body, contentType: args.file.mimeType, ...(csv ? { csv } : {}) },
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
