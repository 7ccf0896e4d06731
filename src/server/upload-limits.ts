/**
 * Every limit on a multipart upload, in one place: the options that set them, their defaults, the
 * limits handed to busboy, and the refusal a caller reads when a file is too large. The limits are
 * enforced while the body streams (busboy cuts a file part at `maxFileBytes` and emits `limit`), so
 * no limit here needs the whole body in memory. To change how a limit is applied, change it here only;
 * the deployed size comes from the configuration (`MAX_UPLOAD_BYTES` in src/config.ts, passed to
 * `createGateway` as `maxUploadBytes`), and the simulator enforces its own, separate limit.
 */
import type busboy from 'busboy';
import type { GraphQLError } from 'graphql';
import { badUserInput } from '../errors/bad-user-input.js';

/** The gateway's default for `maxFileBytes` when its options name none: 100 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

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
  return { fileSize: limits.maxFileBytes, files: limits.maxFiles ?? DEFAULT_MAX_FILES, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES };
}

/** The refusal of a file part that went past `maxFileBytes`: it names the file and the limit. */
export function fileTooLarge(filename: string, limits: UploadLimits): GraphQLError {
  return badUserInput('file', `file: ${JSON.stringify(filename)} is larger than the upload limit of ${limits.maxFileBytes} bytes`);
}
