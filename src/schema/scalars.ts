import { GraphQLError, Kind } from 'graphql';
import type { UploadedFile } from '../resolvers/upload.js';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'A point in time, as an ISO-8601 string in UTC with millisecond precision (`2026-01-14T14:57:45.376Z`).',
  serialize: (value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new TypeError('DateTime can only serialize valid Date objects');
    return value.toISOString();
  },
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime: ${JSON.stringify(value)} is not an ISO-8601 timestamp`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

builder.scalarType('Upload', {
  description:
    'A file sent with the GraphQL multipart request specification ' +
    '(https://github.com/jaydenseric/graphql-multipart-request-spec). It is streamed to the ' +
    'upstream, never held in memory whole.',
  serialize: () => {
    throw new TypeError('Upload is an input-only scalar');
  },
  parseValue: (value) => {
    if (isUploadedFile(value)) return value;
    throw new GraphQLError(
      'Upload: expected a file part of a multipart request (see the GraphQL multipart request specification)',
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  },
  parseLiteral: () => {
    throw new GraphQLError('Upload: a file cannot be written inline in a document; send it as a multipart request', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
});

function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'uploaded-file';
}
