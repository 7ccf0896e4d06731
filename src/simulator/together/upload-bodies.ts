/**
 * Reading a data file off the wire, whole and capped at the upload limit: the raw body of the PUT to
 * an upload link, or the `file` part of a multipart `POST /files/upload` with its form fields.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { invalidRequest, TogetherError } from './errors.js';

function tooLarge(maxBytes: number): TogetherError {
  return new TogetherError(413, 'invalid_request_error', `The file is larger than the ${maxBytes}-byte upload limit.`);
}

export async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface MultipartUpload {
  fields: Record<string, string>;
  file: { filename: string; content: Buffer } | null;
}

export function readMultipart(req: IncomingMessage, maxBytes: number): Promise<MultipartUpload> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { files: 1, fileSize: maxBytes + 1, fields: 20 },
    });
  } catch {
    return Promise.reject(
      invalidRequest('The request body must be multipart/form-data with the data in a part named "file".'),
    );
  }
  return new Promise((resolve, reject) => {
    const result: MultipartUpload = { fields: {}, file: null };
    let failed = false;
    const fail = (error: TogetherError): void => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      reject(error);
    };
    bb.on('field', (name, value) => void (result.fields[name] = value));
    bb.on('file', (field, stream, info) => {
      if (field !== 'file') return void stream.resume();
      const chunks: Buffer[] = [];
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => void (result.file = { filename: info.filename ?? '', content: Buffer.concat(chunks) }));
    });
    bb.on('error', (error) => fail(invalidRequest(`The multipart body is malformed: ${(error as Error).message}`)));
    bb.on('close', () => (failed ? undefined : resolve(result)));
    req.pipe(bb);
  });
}
