/**
 * Together's two-step upload (docs/together-contract.md, "Files"): `POST /files` with the name, type
 * and purpose answers 302 with a pre-signed upload URL (`Location`) and the new file's id
 * (`X-Together-File-Id`); the bytes are PUT there, streamed, without the caller's key (the URL is
 * the credential, and may be another host's); then the file is read back, checked by Together.
 *
 * Formats: JSONL goes as is; CSV is converted to JSONL as it streams (csv-to-jsonl.ts); anything
 * else is refused before a request is made, and so is `csv` (the columns a CSV is converted from)
 * given with a JSONL file, which would otherwise be ignored without a word.
 *
 * What a failure leaves behind, and what the caller is told of it:
 * - `POST /files` is never retried (each attempt would leave another pending file), and a lost answer
 *   (or a 500/502/504 after Together received it) is UPSTREAM_OUTCOME_UNKNOWN: Together may have made
 *   the file's entry, an empty one (the bytes go only once its answer names the upload URL).
 * - A PUT that fails leaves a pending file at Together: it is deleted, best effort, so that a failed
 *   upload leaves nothing behind. When the bytes may have arrived (no answer, or a 5xx) and the delete
 *   fails too, the file may be stored: UPSTREAM_OUTCOME_UNKNOWN naming it (`fileId`), not "unavailable",
 *   which a caller would answer by uploading it again.
 * - A file stored and not read back is never reported as a failed upload (read-back-file.ts).
 *
 * A CSV's JSONL is held to the upload limit as it is made (the conversion refuses it, naming both
 * sizes, before a byte past the limit is sent); should Together still refuse a converted file as too
 * large (413: its limit lower than the client was told), the refusal says the conversion grew it.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Call, Exchange } from '../call.js';
import { UpstreamError, isUpstreamError } from '../errors.js';
import type { JsonCall } from '../json-call.js';
import type { RawResponse } from '../map-error.js';
import type { ResolvedOptions } from '../options.js';
import { parseResponse } from '../parse-response.js';
import { segment } from '../path.js';
import { quote } from '../../contract/quote.js';
import type { BearerCredentials, CallOptions } from '../types.js';
import { CONVERSION_GROWS, csvToJsonl, describeSize, type ConversionProgress } from './csv-to-jsonl.js';
import { readBackFile } from './read-back-file.js';
import { checkedUtf8 } from '../utf8-text.js';
import type { TogetherFileUpload } from './together-client-types.js';
import { togetherFileSchema, type TogetherFile } from './wire-files.js';

const EXTENSION = /\.(jsonl|csv)$/i;

/**
 * The largest file Together takes: its SDK's check refuses a file over 4.9 GiB before uploading it
 * (`MAX_FILE_SIZE_GB = 4.9` × 2^30 bytes, together-ai `lib/check-file`) [sdk]. A gateway on another
 * limit (the embedded simulator's, `MAX_UPLOAD_BYTES`) says so with the client's `maxUploadBytes`.
 */
export const TOGETHER_MAX_UPLOAD_BYTES = Math.floor(4.9 * 2 ** 30);

interface Prepared {
  filename: string;
  body: Readable;
  bytes: number | undefined;
  /** A CSV converted on the way: how far the conversion got. */
  conversion?: () => ConversionProgress;
}

async function prepare(upload: TogetherFileUpload, maxBytes: number): Promise<Prepared> {
  const kind = EXTENSION.exec(upload.filename)?.[1]?.toLowerCase();
  if (kind === 'jsonl' && upload.csv !== undefined) {
    upload.body.destroy();
    throw new UpstreamError(
      'BAD_USER_INPUT',
      `csvColumns: ${quote(upload.filename)} is a JSONL file, sent to Together as it is: csvColumns ` +
        `applies to CSV files (….csv) only; leave it out.`,
      { field: 'csvColumns' },
    );
  }
  // Together takes UTF-8 JSONL only: one that is not is refused as it streams, naming the file and the line.
  if (kind === 'jsonl')
    return { filename: upload.filename, body: checkedUtf8(upload.body, upload.filename), bytes: upload.bytes };
  if (kind === 'csv') {
    const { body, progress } = await csvToJsonl(upload.body, upload.filename, upload.csv, maxBytes);
    return { filename: upload.filename.replace(EXTENSION, '.jsonl'), body, bytes: undefined, conversion: progress };
  }
  upload.body.destroy();
  throw new UpstreamError(
    'BAD_USER_INPUT',
    `${quote(upload.filename)}: Together takes JSONL files (….jsonl); a CSV (….csv) with ` +
      `prompt and answer columns is converted to JSONL on the way.`,
    { field: 'file' },
  );
}

/** The pre-signed URL: absolute http(s), no credentials in it, plain http only for loopback or the API's host. */
function uploadTarget(res: RawResponse, operation: string, api: URL): { url: URL; fileId: string } {
  const fail = (why: string): never => {
    throw new UpstreamError('UPSTREAM_ERROR', `${operation}: unusable upload answer: ${why}.`, {
      status: res.status,
      operation,
    });
  };
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.trim();
  const location = one(res.headers.location) ?? fail('no Location header');
  const fileId = one(res.headers['x-together-file-id']) ?? fail('no X-Together-File-Id header');
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return fail('the Location is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`protocol ${url.protocol} is not http: or https:`);
  if (url.username !== '' || url.password !== '') fail('the Location holds credentials');
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && url.hostname !== api.hostname && !loopback)
    fail('plain http is allowed only for the API host or loopback');
  return { url, fileId };
}

/**
 * Together's 413 to a converted CSV, said as the conversion's doing: the caller sent a CSV within the
 * gateway's limit, and "the file is larger than the limit" alone would read as a mistake.
 */
function refusedOnceConverted(error: unknown, csvName: string, progress: ConversionProgress): unknown {
  if (!(error instanceof UpstreamError) || error.status !== 413) return error;
  return new UpstreamError(
    'BAD_USER_INPUT',
    `${csvName}: too large once converted to JSONL: Together refused it as over its upload limit ` +
      `(${JSON.stringify(error.message)}) once the conversion had made ${describeSize(progress.jsonlBytes)} ` +
      `of JSONL. ${CONVERSION_GROWS}; split the CSV into smaller files.`,
    { status: 413, upstreamCode: error.upstreamCode, operation: error.operation, field: 'file' },
  );
}

/**
 * Said with an UPSTREAM_OUTCOME_UNKNOWN of `POST /files`: what it may have left, and that nothing of
 * the file went with it.
 */
const START_UNKNOWN =
  'None of the file was sent: an entry Together may have made for it holds nothing (it stays PENDING ' +
  "among the account's files at Together, where it can be deleted), and uploading the file again stores it once.";

/** `POST /files`: the upload URL and the new file's id; the file deleted again when the caller left meanwhile. */
async function startUpload(
  call: Call,
  json: JsonCall,
  o: ResolvedOptions,
  creds: BearerCredentials,
  fields: URLSearchParams,
  opts: CallOptions | undefined,
): Promise<{ url: URL; fileId: string }> {
  // Never retried: each attempt would leave another pending file.
  const ex: Exchange = {
    method: 'POST',
    route: '/files',
    path: '/files',
    query: fields,
    form: fields,
    retry: false,
    outcomeUnknownOnLostAnswer: true,
    outcomeUnknownAdvice: START_UNKNOWN,
  };
  // Not cut short by the caller leaving: Together may have made the file before its answer came,
  // and only the answer names it, for the clean-up below (an abort here left PENDING files behind).
  const { signal, ...untilAnswered } = opts ?? {};
  if (signal?.aborted) throw signal.reason;
  const { response } = await call(creds, { ...ex, acceptStatus: (s) => s === 302 }, untilAnswered);
  const started = uploadTarget(response, 'POST /files', o.baseUrl);
  if (signal?.aborted) {
    await forget(json, creds, started.fileId);
    throw signal.reason;
  }
  return started;
}

export function uploadFile(call: Call, json: JsonCall, o: ResolvedOptions, maxBytes = TOGETHER_MAX_UPLOAD_BYTES) {
  const read = getTogetherFile(json);
  return async (creds: BearerCredentials, upload: TogetherFileUpload, opts?: CallOptions): Promise<TogetherFile> => {
    const { filename, body, bytes, conversion } = await prepare(upload, maxBytes);
    const fields = new URLSearchParams({
      file_name: filename,
      file_type: 'jsonl',
      purpose: upload.purpose ?? 'fine-tune',
    });
    let started: { url: URL; fileId: string };
    try {
      started = await startUpload(call, json, o, creds, fields, opts);
    } catch (error) {
      body.destroy();
      throw error;
    }
    // undici gets its own stream to write from: when the PUT fails (Together closing the connection
    // under it, say), undici destroys that stream with the socket's error, which must not read as the
    // caller's file failing (`source`: its errors, and the CSV conversion's refusals, are the caller's).
    const sent = new PassThrough();
    body.once('error', (error) => sent.destroy(error));
    body.pipe(sent);
    const put: Exchange = {
      method: 'PUT',
      route: '/files/{id}/upload-url',
      path: '',
      url: started.url,
      stream: { body: sent, source: body, contentType: 'application/octet-stream', length: bytes },
      retry: false,
      deadlineMs: o.uploadDeadlineMs,
    };
    try {
      await call(creds, put, opts);
    } catch (error) {
      const deleted = await forget(json, creds, started.fileId);
      const refusal = conversion ? refusedOnceConverted(error, upload.filename, conversion()) : error;
      throw afterFailedPut(refusal, deleted, started.fileId);
    }
    return readBackFile(read, o, creds, { id: started.fileId, name: filename }, opts);
  };
}

/**
 * A failed PUT's error, as what it left behind makes it. A failure on Together's side (no answer, a
 * 5xx) may have come after the bytes arrived: with the file deleted, nothing is kept (said, so that
 * the caller knows uploading again is safe); with the delete failed too, the file may be stored, and
 * "unavailable" would have the caller upload it twice. A refusal (4xx), or the caller's own stream
 * failing, stored nothing: as it is.
 */
function afterFailedPut(error: unknown, deleted: boolean, fileId: string): unknown {
  if (!isUpstreamError(error) || (error.code !== 'UPSTREAM_UNAVAILABLE' && error.code !== 'UPSTREAM_ERROR'))
    return error;
  const details = { status: error.status, upstreamCode: error.upstreamCode, operation: error.operation };
  if (deleted)
    return new UpstreamError(error.code, error.message, {
      ...details,
      retryAfterSeconds: error.retryAfterSeconds,
      advice: 'The file Together had begun was deleted: nothing is kept, and uploading the file again is safe.',
      cause: error.cause,
    });
  return new UpstreamError(
    'UPSTREAM_OUTCOME_UNKNOWN',
    `${error.message} Deleting the file at Together afterwards failed too: it may hold the upload, as ${fileId}.`,
    { ...details, fileId, advice: `Check it with file(id: "${fileId}") before uploading again.`, cause: error.cause },
  );
}

/** Deletes a file the upload began, best effort: whether it is gone (deleted now, or before). */
async function forget(json: JsonCall, creds: BearerCredentials, fileId: string): Promise<boolean> {
  const ex: Exchange = {
    method: 'DELETE',
    route: '/files/{id}',
    path: `/files/${segment('file', fileId)}`,
    retry: true,
    acceptAfterLostAttempt: 404,
  };
  return json(creds, ex, undefined, () => true).catch(
    (error: unknown) => isUpstreamError(error) && error.code === 'NOT_FOUND',
  );
}

export function getTogetherFile(json: JsonCall) {
  return (creds: BearerCredentials, id: string, opts?: CallOptions): Promise<TogetherFile> =>
    json(
      creds,
      { method: 'GET', route: '/files/{id}', path: `/files/${segment('file', id)}`, retry: true },
      opts,
      (r, op) => parseResponse(togetherFileSchema, r, op),
    );
}
