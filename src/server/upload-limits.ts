/**
 * Every limit on a multipart upload, in one place: the options that set them, their defaults, the
 * limits handed to busboy, and the refusal a caller reads when a file is too large. The limits are
 * enforced while the body streams (busboy cuts a file part at `maxFileBytes` and emits `limit`), so
 * no limit here needs the whole body in memory. To change how a limit is applied, change it here only;
 * the deployed size comes from the configuration (`MAX_UPLOAD_BYTES` in src/config.ts, the one source
 * of its default, passed to `createGateway` as `maxUploadBytes`); the embedded simulator is given the
 * same limit (start.ts), a remote upstream has its own.
 *
 * A multipart body is not counted as a whole (yoga's body limit is off, see use-request-body-limit.ts):
 * its non-file fields and its files are each bounded here, so a body is at most about
 * `maxFiles × maxFileBytes` plus 2 MiB of fields, and it streams.
 */
import type busboy from 'busboy';
import type { GraphQLError } from 'graphql';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';

export { DEFAULT_MAX_UPLOAD_BYTES };

export interface UploadLimits {
  /** Largest file part accepted, in bytes. */
  maxFileBytes: number;
  /** Most file parts in one request. @default 10 */
  maxFiles?: number;
}

// The only non-file fields of the spec are "operations" and "map"; 1 MiB of JSON is far more than a
// real operation needs, and bounds what a caller can make the gateway parse before any file.
const MAX_FIELDS = 2;
const MAX_FIELD_BYTES = 1024 * 1024;
const DEFAULT_MAX_FILES = 10;

/** The limits busboy enforces as it parses the body. */
export function busboyLimits(limits: UploadLimits): busboy.Limits {
  // busboy emits `limit` when a part *reaches* `fileSize`: one byte more lets a file of exactly
  // `maxFileBytes` through, and `limit` then means "larger than the limit".
  return { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles ?? DEFAULT_MAX_FILES, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES };
}

/**
 * The refusal of a file part that went past `maxFileBytes`: it names the file, the limit and its
 * setting. HTTP 413, as for any body too large: yoga answers with the highest status its errors carry.
 */
export function fileTooLarge(filename: string, limits: UploadLimits): GraphQLError {
  return gatewayError('BAD_USER_INPUT', `file: ${JSON.stringify(filename)} is larger than the upload limit of ${limits.maxFileBytes} bytes (MAX_UPLOAD_BYTES)`, {
    field: 'file',
    http: { status: 413 },
  });
}
