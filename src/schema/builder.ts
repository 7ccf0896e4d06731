import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../resolvers/context.js';
import type { UploadedFile } from '../resolvers/upload.js';

/** The Pothos builder, and nothing else: types live in one file each beside it. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Upload: { Input: UploadedFile; Output: never };
  };
  Connection: { totalCount: number };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    // Ids are the upstream's own ids: no Node interface, no global ids.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    clientMutationId: 'omit',
    cursorType: 'String',
    pageInfoTypeOptions: { description: 'Where a page stands in the whole list (Relay cursor connections).' },
    pageInfoFieldOptions: { description: 'Where this page stands in the whole list.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    cursorFieldOptions: { description: 'Opaque position of this item; pass it as `after` to continue after it.' },
    nodeFieldOptions: { description: 'The item.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items come before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page; null when the page is empty.' },
    endCursorFieldOptions: {
      description:
        'Cursor of the last item of this page (pass it as `after` for the next page); null when the page is empty.',
    },
  },
});

builder.queryType({
  description: 'Read the fine-tuning service: base models, files, datasets, jobs and cost estimates.',
});
builder.mutationType({
  description: 'Change the fine-tuning service: upload data, define datasets, start, cancel and export jobs.',
});
