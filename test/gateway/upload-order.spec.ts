/**
 * The order rule of streamed file parts (src/server/file-parts.ts), on a bare yoga with a
 * nullable field, so that a field after a refused one runs: the part that was sent first stays
 * openable, and the part after it comes once it is read. The body is fed by hand, to reach both
 * paths: a field opening a part while an earlier one is unread, and a field already waiting when an
 * earlier part arrives.
 */
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { GraphQLScalarType, type GraphQLResolveInfo } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { UploadedFile } from '../../src/resolvers/upload.js';
import { useStreamingUploads } from '../../src/server/use-streaming-uploads.js';

/**
 * The exact moment a field starts waiting for its part: its resolver has called `open()`, which
 * registers the field as a waiter before it returns (no part has arrived in the tests that use it).
 * Keyed by the field's response key; set up before the request, so the signal cannot be missed.
 */
const opened = new Map<string, () => void>();
const whenOpened = (key: string): Promise<void> => new Promise((resolve) => opened.set(key, resolve));

const yoga = createYoga({
  multipart: false,
  logging: false,
  maskedErrors: false,
  plugins: [useStreamingUploads({ maxFileBytes: 10 * 1024 * 1024 })],
  schema: createSchema({
    typeDefs: 'scalar Upload\ntype Query { ok: Boolean }\ntype Mutation { read(file: Upload!): String }',
    resolvers: {
      Upload: new GraphQLScalarType({ name: 'Upload', parseValue: (value) => value }),
      Mutation: {
        read: async (_root: unknown, args: { file: UploadedFile }, _context: unknown, info: GraphQLResolveInfo) => {
          const opening = args.file.open();
          opened.get(String(info.path.key))?.();
          const stream: Readable = await opening;
          return `${args.file.filename}:${(await text(stream)).length}`;
        },
      },
    },
  }),
});

const BOUNDARY = 'order-test-boundary';
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (name: string, filename: string, content: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: text/csv\r\n\r\n${content}\r\n`;

/** Sends `chunks` as the body of a multipart request, waiting for each chunk's `before` promise first. */
async function post(chunks: Array<{ data: string; before?: () => Promise<void> }>) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const chunk of chunks) {
        await chunk.before?.();
        // In slices, as a socket delivers them: busboy goes past an unread part within one chunk.
        const bytes = encoder.encode(chunk.data);
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
      }
      controller.close();
    },
  });
  const response = await yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return (await response.json()) as {
    data: Record<string, string | null> | null;
    errors?: Array<{ message: string; path: string[]; extensions: Record<string, unknown> }>;
  };
}

const QUERY =
  'mutation($a: Upload!, $b: Upload!) { first: read(file: $b) second: read(file: $a) third: read(file: $b) }';
const HEAD =
  field('operations', JSON.stringify({ query: QUERY, variables: { a: null, b: null } })) +
  field('map', JSON.stringify({ 0: ['variables.a'], 1: ['variables.b'] }));
// Large enough that busboy cannot buffer part "0" whole and go on to part "1" while nobody reads it.
const A = 'x'.repeat(1_000_000);
const B = 'y'.repeat(1_000);
const OUT_OF_ORDER = {
  message:
    'file: part "1" is used before part "0", which was sent first; file parts must be sent in the order the operation uses them',
  path: ['first'],
  extensions: { code: 'BAD_USER_INPUT', field: 'file' },
};

describe('file parts used out of the order they are sent', () => {
  it('a field opening a part while an earlier part is unread fails at once; a later field still reads the earlier part, then the next', async () => {
    const res = await post([{ data: HEAD + file('0', 'a.csv', A) + file('1', 'b.csv', B) + `--${BOUNDARY}--\r\n` }]);
    expect(res.data).toEqual({ first: null, second: `a.csv:${A.length}`, third: `b.csv:${B.length}` });
    expect(res.errors).toEqual([expect.objectContaining(OUT_OF_ORDER)]);
  });

  it('a field already waiting for a part fails when an earlier part arrives first; a later field still reads both', async () => {
    const rest = file('0', 'a.csv', A) + file('1', 'b.csv', B) + `--${BOUNDARY}--\r\n`;
    const split = `--${BOUNDARY}\r\n`.length; // busboy ends the "map" field only once it sees the next boundary.
    const firstWaits = whenOpened('first');
    const res = await post([
      { data: HEAD + rest.slice(0, split) },
      // Sent once the first field is waiting for part "1".
      { data: rest.slice(split), before: () => firstWaits },
    ]);
    expect(res.data).toEqual({ first: null, second: `a.csv:${A.length}`, third: `b.csv:${B.length}` });
    expect(res.errors).toEqual([expect.objectContaining(OUT_OF_ORDER)]);
  });

  it('parts used in the order they are sent are all read, a field waiting for its part included', async () => {
    const query = 'mutation($a: Upload!, $b: Upload!) { first: read(file: $a) second: read(file: $b) }';
    const head =
      field('operations', JSON.stringify({ query, variables: { a: null, b: null } })) +
      field('map', JSON.stringify({ 0: ['variables.a'], 1: ['variables.b'] }));
    const rest = file('0', 'a.csv', A) + file('1', 'b.csv', B) + `--${BOUNDARY}--\r\n`;
    const split = `--${BOUNDARY}\r\n`.length;
    const firstWaits = whenOpened('first');
    const res = await post([
      { data: head + rest.slice(0, split) },
      { data: rest.slice(split), before: () => firstWaits },
    ]);
    expect(res).toEqual({ data: { first: `a.csv:${A.length}`, second: `b.csv:${B.length}` } });
  });
});
