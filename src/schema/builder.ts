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
  },
});

builder.queryType({ description: 'Read the fine-tuning service: base models, files, datasets, jobs and cost estimates.' });
builder.mutationType({ description: 'Change the fine-tuning service: upload data, define datasets, start, cancel and export jobs.' });
