/**
 * The upstream's refusal of an upload, in the shape of every input error of the API: BAD_USER_INPUT
 * with `extensions.field` "file" (the argument) and a message that starts with "file: ". The
 * service words most refusals that way already, but not its generic ones (HTTP 413 or 415 without a
 * message), and the client only puts a field on refusals of JSON bodies. A refusal of the CSV columns
 * the caller chose (`csvColumns`, `csvColumns.promptColumn`) keeps its field, with the message as it is;
 * so does the gateway's refusal of a file that is not UTF-8 (src/upstream/utf8-text.ts), which names
 * the file by its name.
 */
import { UpstreamError } from '../upstream/errors.js';
import { UploadEncodingError } from '../upstream/utf8-text.js';

export function asFileRefusal(error: unknown): unknown {
  if (!(error instanceof UpstreamError) || error.code !== 'BAD_USER_INPUT') return error;
  // The gateway's own refusal of a file's encoding names the file itself, not the variable, and says what to do.
  if (error instanceof UploadEncodingError) return error;
  // A refusal of the columns the caller chose stays on them (Together's conversion names the field):
  // a column the CSV lacks, a blank one, or `csvColumns` given with a JSONL file.
  if (error.field === 'csvColumns' || error.field?.startsWith('csvColumns.')) return error;
  const message = error.message.startsWith('file: ') ? error.message : `file: ${error.message}`;
  return new UpstreamError('BAD_USER_INPUT', message, {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
    field: 'file',
  });
}
