/**
 * The upstream's refusal of an upload, in the shape of every input error of the API: BAD_USER_INPUT
 * with `extensions.field` "file" (the argument) and a message that starts with "file: ". The
 * service words most refusals that way already, but not its generic ones (HTTP 413 or 415 without a
 * message), and the client only puts a field on refusals of JSON bodies. A refusal naming one of the
 * CSV columns the caller chose (`csvColumns.promptColumn`) keeps it, with the message as it is.
 */
import { UpstreamError } from '../upstream/errors.js';

export function asFileRefusal(error: unknown): unknown {
  if (!(error instanceof UpstreamError) || error.code !== 'BAD_USER_INPUT') return error;
  // A column the caller named and the CSV lacks stays on that column (Together's conversion names it).
  if (error.field?.startsWith('csvColumns.')) return error;
  const message = error.message.startsWith('file: ') ? error.message : `file: ${error.message}`;
  return new UpstreamError('BAD_USER_INPUT', message, {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
    field: 'file',
  });
}
