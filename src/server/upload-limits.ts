/**
 * Every limit on a multipart upload, in one place: the options that set them, their defaults, the
 * limits handed to busboy, which limit a request's file parts are held to, the count that holds them
 * to it, and the refusal a caller reads when a file is too large. The limits are enforced while the
 * body streams, so no limit here needs the whole body in memory. To change how a limit is applied,
 * change it here only; the deployed sizes come from the configuration (`MAX_UPLOAD_BYTES` and
 * `ANALYZE_MAX_BYTES` in src/config.ts, passed to `createGateway` as `maxUploadBytes` and
 * `maxAnalyzeBytes`); the embedded simulator is given the upload limit (start.ts), a remote upstream
 * has its own.
 *
 * Which limit applies depends on the operation, which busboy cannot know: its limits are set when the
 * body starts, before the `operations` field. So busboy cuts every part at the larger of the two
 * limits, and once `operations` is parsed, `partLimit` says what this request's parts may reach: an
 * operation whose every root field is `analyzeDataset` reads files up to `maxAnalyzeBytes`, which the
 * analysis enforces itself as it reads (with its own message, naming ANALYZE_MAX_BYTES); any other
 * operation, a mixed one, or one that does not parse, is held to `maxFileBytes` by `capped`.
 *
 * A multipart body is not counted as a whole (yoga's body limit is off, see use-request-body-limit.ts):
 * its non-file fields and its files are each bounded here, so a body is at most about
 * `maxFiles ×` the larger file limit, plus 2 MiB of fields, and it streams.
 */
import { Transform, type Readable } from 'node:stream';
import type busboy from 'busboy';
import { Kind, parse, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';

export interface UploadLimits {
  /** Largest file part accepted, in bytes (MAX_UPLOAD_BYTES). */
  maxFileBytes: number;
  /**
   * Largest file part of an operation that only runs `analyzeDataset` (ANALYZE_MAX_BYTES); the
   * analysis enforces it as it reads, so it must be the analysis's own limit. Absent: every operation
   * is held to `maxFileBytes`.
   */
  maxAnalyzeBytes?: number;
  /** Most file parts in one request. @default 10 */
  maxFiles?: number;
}

// The only non-file fields of the spec are "operations" and "map"; 1 MiB of JSON is far more than a
// real operation needs, and bounds what a caller can make the gateway parse before any file.
const MAX_FIELDS = 2;
export const MAX_FIELD_BYTES = 1024 * 1024;
const DEFAULT_MAX_FILES = 10;

/** Most file parts one request may carry. */
export const maxFilesOf = (limits: UploadLimits): number => limits.maxFiles ?? DEFAULT_MAX_FILES;

/**
 * A part name or variable path as a message shows it: quoted, and cut past 64 characters. It is the
 * client's text, which the answer would otherwise carry whole (a map key of 500 KB made a 500 KB answer).
 */
export function shownName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
// A real `analyzeDataset` document is a few hundred tokens at most; past the default
// MAX_OPERATION_TOKENS it is not looked into (and keeps the smaller limit).
const MAX_SNIFFED_TOKENS = 3000;

/** The limits busboy enforces as it parses the body. */
export function busboyLimits(limits: UploadLimits): busboy.Limits {
  // busboy emits `limit` when a part *reaches* `fileSize`: one byte more lets a file of exactly
  // `maxFileBytes` through, and `limit` then means "larger than the limit".
  // Both limits are the larger one here: `partLimit` narrows it once the operation is known. A part
  // cut here has more than `maxAnalyzeBytes`, which the analysis refuses as too large.
  return {
    fileSize: Math.max(limits.maxFileBytes, limits.maxAnalyzeBytes ?? 0) + 1,
    files: maxFilesOf(limits),
    fields: MAX_FIELDS,
    fieldSize: MAX_FIELD_BYTES,
  };
}

/**
 * How many bytes the gateway lets through each file part of the request whose `operations` field is
 * given, past which it refuses the part (`capped`); null when the operation only runs `analyzeDataset`,
 * whose analysis refuses a file past `maxAnalyzeBytes` itself (busboy still cuts it just beyond).
 */
export function partLimit(operations: unknown, limits: UploadLimits): number | null {
  return limits.maxAnalyzeBytes !== undefined && onlyAnalyzes(operations) ? null : limits.maxFileBytes;
}

/** Whether every root field of the operation that will run is `analyzeDataset` (false when in doubt). */
function onlyAnalyzes(operations: unknown): boolean {
  if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) return false;
  const { query, operationName } = operations as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false; // a persisted operation: not looked up here
  let definitions;
  try {
    definitions = parse(query, { noLocation: true, maxTokens: MAX_SNIFFED_TOKENS }).definitions;
  } catch {
    return false; // yoga refuses it with the parse error; the part keeps the smaller limit meanwhile
  }
  const candidates = definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const selected =
    typeof operationName === 'string'
      ? candidates.find((o) => o.name?.value === operationName)
      : candidates.length === 1
        ? candidates[0]
        : undefined;
  const roots = selected?.operation === 'query' ? selected.selectionSet.selections : [];
  return roots.length > 0 && roots.every((s) => s.kind === Kind.FIELD && s.name.value === 'analyzeDataset');
}

/**
 * A file part's stream held to `maxBytes`: the count happens here. The bytes pass through as they
 * come; past `maxBytes` the returned stream fails with `refuse()`'s error and the rest of the part is
 * drained, so that the body goes on to the next part. A failure of the part itself (the body broke)
 * is passed on.
 */
export function capped(part: Readable, maxBytes: number, refuse: () => Error): Readable {
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes <= maxBytes) return done(null, chunk);
      part.unpipe(counted);
      part.on('error', () => {});
      part.resume();
      done(refuse());
    },
  });
  // The refusal reaches the caller through the field that reads the part (FilePart's `failure()`),
  // even when no field reads it yet: it is never an uncaught error.
  counted.on('error', () => {});
  part.once('error', (error) => counted.destroy(error));
  return part.pipe(counted);
}

/**
 * The refusal of a file part that went past `maxFileBytes` (`maxBytes`): it names the input field the
 * part fills (upload-fields.ts), the file, the limit and its setting. HTTP 413, as for any body too
 * large: yoga answers with the highest status its errors carry.
 */
export function fileTooLarge(field: string, filename: string, maxBytes: number): GraphQLError {
  return gatewayError(
    'BAD_USER_INPUT',
    `${field}: ${JSON.stringify(filename)} is larger than the upload limit of ${maxBytes} bytes (MAX_UPLOAD_BYTES)`,
    { field, http: { status: 413 } },
  );
}
