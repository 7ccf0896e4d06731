/**
 * Where a multipart request's file parts land in the operation's variables, and which fields read
 * them (src/server/upload-variables.ts), on a bare yoga whose schema has what the gateway's has not
 * (yet): a list of uploads, an input object holding one, and a field that reads a part once beside one
 * that may share it. Each refusal comes before any resolver runs.
 */
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { GraphQLScalarType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { beforeEach, describe, expect, it } from 'vitest';
import type { UploadedFile } from '../../src/resolvers/upload.js';
import { useStreamingUploads } from '../../src/server/use-streaming-uploads.js';

/** The fields that ran, in order: a refused request runs none. */
let ran: string[] = [];
beforeEach(() => {
  ran = [];
});

const readWhole = async (name: string, file: UploadedFile) => {
  ran.push(name);
  const stream: Readable = await file.open();
  return `${file.filename}:${(await text(stream)).length}`;
};

const yoga = createYoga({
  multipart: false, // useStreamingUploads parses multipart requests, as in the gateway
  maxRequestBodySize: false,
  logging: false,
  maskedErrors: false,
  plugins: [
    useStreamingUploads({
      maxFileBytes: 1024 * 1024,
      readOnce: new Set(['Mutation.read', 'Mutation.readAll', 'Mutation.readInput']),
    }),
  ],
  schema: createSchema({
    typeDefs: `
      scalar Upload
      input ReadInput { file: Upload!, note: String }
      type Query { ok: Boolean }
      type Mutation {
        read(file: Upload!): String
        readAll(files: [Upload!]!): [String!]
        readInput(input: ReadInput!): String
        peek(file: Upload!): String
      }`,
    resolvers: {
      Upload: new GraphQLScalarType({ name: 'Upload', parseValue: (value) => value }),
      Mutation: {
        read: (_: unknown, args: { file: UploadedFile }) => readWhole('read', args.file),
        readAll: (_: unknown, args: { files: UploadedFile[] }) =>
          Promise.all(args.files.map((file) => readWhole('readAll', file))),
        readInput: (_: unknown, args: { input: { file: UploadedFile } }) => readWhole('readInput', args.input.file),
        // Reads nothing of the part: any number of fields may share it.
        peek: (_: unknown, args: { file: UploadedFile }) => {
          ran.push('peek');
          return args.file.kind;
        },
      },
    },
  }),
});

async function post(query: string, variables: Record<string, unknown>, map: Record<string, string[]>, files = 1) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables }));
  form.set('map', JSON.stringify(map));
  for (let i = 0; i < files; i++) form.set(String(i), new Blob([`a,b\n${i},${i}\n`]), `${i}.csv`);
  const response = await yoga.fetch('http://gateway.test/graphql', { method: 'POST', body: form });
  return {
    status: response.status,
    ...((await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
    }),
  };
}

describe('a part read by a field that reads it once, and by another field', () => {
  it('a list of uploads read by two fields: the variable and its parts are named', async () => {
    const res = await post(
      'mutation($f: [Upload!]!) { a: readAll(files: $f) b: readAll(files: $f) }',
      { f: [null, null] },
      { 0: ['variables.f.0'], 1: ['variables.f.1'] },
      2,
    );
    expect(res).toEqual({
      status: 400,
      errors: [
        {
          message:
            'Multipart "map": variable $f (parts "0", "1") is read by 2 fields, "a: readAll" and "b: readAll"; a file ' +
            'part is streamed once, to one field (send the file once for each field, as separate parts mapped to separate variables).',
          extensions: { code: 'BAD_USER_INPUT', field: 'files.0' },
        },
      ],
    });
    expect(ran).toEqual([]);
  });

  it('one field naming the variable twice in a list', async () => {
    const res = await post('mutation($a: Upload!) { readAll(files: [$a, $a]) }', { a: null }, { 0: ['variables.a'] });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(
      /^Multipart "map": variable \$a \(part "0"\) is read 2 times, by "readAll"; /,
    );
    expect(ran).toEqual([]);
  });

  it('a field that reads once beside one that may share: refused, whichever comes first', async () => {
    for (const query of [
      'mutation($a: Upload!) { read(file: $a) peek(file: $a) }',
      'mutation($a: Upload!) { peek(file: $a) read(file: $a) }',
    ]) {
      const res = await post(query, { a: null }, { 0: ['variables.a'] });
      expect(res.errors?.[0]?.message).toMatch(
        /variable \$a \(part "0"\) is read by 2 fields, "(read|peek)" and "(peek|read)"/,
      );
    }
    expect(ran).toEqual([]);
  });

  it('an input object holding the upload, read by two fields', async () => {
    const res = await post(
      'mutation($in: ReadInput!) { a: readInput(input: $in) b: readInput(input: $in) }',
      { in: { file: null } },
      { 0: ['variables.in.file'] },
    );
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([
      {
        message: expect.stringMatching(
          /^Multipart "map": variable \$in \(part "0"\) is read by 2 fields, "a: readInput" and "b: readInput"; /,
        ),
        extensions: { code: 'BAD_USER_INPUT', field: 'file' },
      },
    ]);
    expect(ran).toEqual([]);
  });

  it('fields that may share a part are not refused, nor is a field skipped by @skip', async () => {
    expect(
      await post('mutation($a: Upload!) { a: peek(file: $a) b: peek(file: $a) }', { a: null }, { 0: ['variables.a'] }),
    ).toEqual({ status: 200, data: { a: 'uploaded-file', b: 'uploaded-file' } });
    const skipped = await post(
      'mutation($a: Upload!, $no: Boolean!) { a: read(file: $a) @skip(if: $no) b: read(file: $a) c: read(file: $a) @include(if: false) }',
      { a: null, no: true },
      { 0: ['variables.a'] },
    );
    expect(skipped).toEqual({ status: 200, data: { b: '0.csv:8' } });
  });

  it('a single part where a list of uploads goes is a list of one', async () => {
    const res = await post('mutation($f: [Upload!]!) { readAll(files: $f) }', { f: null }, { 0: ['variables.f'] });
    expect(res).toEqual({ status: 200, data: { readAll: ['0.csv:8'] } });
  });
});

describe('a part put where the variable takes no file', () => {
  it('inside an input object, at a field that is no Upload', async () => {
    const res = await post(
      'mutation($in: ReadInput!) { readInput(input: $in) }',
      { in: { file: null, note: null } },
      { 0: ['variables.in.file'], 1: ['variables.in.note'] },
      2,
    );
    expect(res).toEqual({
      status: 400,
      errors: [
        {
          message:
            'Multipart "map": part "1" puts a file at "variables.in.note", where the operation\'s variable $in of type ' +
            'ReadInput! takes no file (map file parts only to Upload variables).',
          extensions: { code: 'BAD_USER_INPUT', field: 'note' },
        },
      ],
    });
    expect(ran).toEqual([]);
  });

  it('at a key the input object does not have, or an index of no list', async () => {
    for (const [variables, path] of [
      [{ in: { file: null, extra: null } }, 'variables.in.extra'],
      [{ a: [null] }, 'variables.a.0'],
    ] as const) {
      const query = 'mutation($in: ReadInput!, $a: Upload!) { peek(file: $a) readInput(input: $in) }';
      const res = await post(query, variables, { 0: [path] });
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.message).toContain(`puts a file at "${path}", where the operation's variable`);
    }
    expect(ran).toEqual([]);
  });

  it('a part mapped to a variable the operation does not declare is left unread, as before', async () => {
    const res = await post(
      'mutation($a: Upload!) { read(file: $a) }',
      { a: null, b: null },
      { 0: ['variables.a'], 1: ['variables.b'] },
      2,
    );
    expect(res).toEqual({ status: 200, data: { read: '0.csv:8' } });
  });
});
