/**
 * A multipart/form-data body with one part, field `file`, framed by hand around the caller's stream.
 *
 * Why by hand: undici's FormData wants a Blob, and a Node Blob holds its bytes in memory, so a large
 * CSV would be buffered whole before the first byte leaves. Here the framing is two small buffers
 * and the file goes through chunk by chunk, with the stream's own backpressure; the length is
 * unknown up front, so undici sends it with chunked transfer encoding.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { UpstreamError } from './errors.js';

export interface MultipartBody {
  body: Readable;
  contentType: string;
}

export function multipartFile(field: string, filename: string, contentType: string, source: Readable): MultipartBody {
  // Header values must not carry CR/LF: they would end the part header early.
  if (/[\r\n]/.test(contentType)) {
    throw new UpstreamError('BAD_USER_INPUT', 'file content type: line breaks are not allowed.');
  }
  // 24 random bytes: a boundary that cannot occur in the file by accident, nor be planted in it.
  const boundary = `----upstream-client-${randomBytes(24).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${escapeQuoted(field)}"; filename="${escapeQuoted(filename)}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* frame(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    yield tail;
  }
  return {
    body: Readable.from(frame(), { objectMode: false }),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * The escaping browsers apply to names in multipart headers (WHATWG HTML, "multipart/form-data
 * encoding algorithm"): `"` → %22, CR → %0D, LF → %0A. Other characters, non-ASCII included, go as UTF-8.
 */
function escapeQuoted(value: string): string {
  return value.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
