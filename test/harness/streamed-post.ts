/**
 * Large request bodies for limit tests, generated as streams (never held whole), sent over node:http
 * so that a test chooses between a Content-Length and chunked transfer-encoding, and sees exactly what
 * a client reads: the status and body of the answer, or the socket error that came before it.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { DEMO, headersFor } from './stack.js';

// Long unquoted rows: the simulator parses every byte of an upload as CSV, and this is its fastest case.
const ROW = `a question padded to a kilobyte ${'q'.repeat(480)},and its answer ${'a'.repeat(493)}\n`;
const HEADER = 'question,answer\n';

/** A valid CSV of at least `minBytes` bytes (whole rows), as a stream and its exact length. */
export function csvOf(minBytes: number): { bytes: number; chunks: () => AsyncIterable<Buffer> } {
  const rowsPerChunk = Math.ceil((64 * 1024) / ROW.length);
  const rows = Math.max(1, Math.ceil((minBytes - HEADER.length) / ROW.length));
  const full = Buffer.from(ROW.repeat(rowsPerChunk));
  return {
    bytes: HEADER.length + rows * ROW.length,
    async *chunks() {
      yield Buffer.from(HEADER);
      let left = rows;
      for (; left >= rowsPerChunk; left -= rowsPerChunk) yield full;
      if (left > 0) yield full.subarray(0, left * ROW.length);
    },
  };
}

/** A GraphQL multipart request uploading `file` as `uploadFile`'s `$file`, with its exact length. */
export function multipartUpload(filename: string, file: { bytes: number; chunks: () => AsyncIterable<Buffer> }) {
  const boundary = '----limits-test-boundary';
  const operations = JSON.stringify({
    query: 'mutation($file: Upload!) { uploadFile(file: $file) { name bytes } }',
    variables: { file: null },
  });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    bytes: head.length + file.bytes + tail.length,
    chunks: async function* () {
      yield head;
      yield* file.chunks();
      yield tail;
    },
  };
}

export interface StreamedAnswer {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/**
 * POSTs a body to `${url}/graphql` as the demo tenant, with `Content-Length` (`chunked: false`) or
 * without (chunked). Resolves with the answer once it has been read whole; rejects with the socket
 * error if one comes first (a reset instead of an answer).
 */
export function streamedPost(
  url: string,
  body: { contentType: string; bytes: number; chunks: () => AsyncIterable<Buffer> },
  options: { chunked: boolean; timeoutMs?: number },
): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, {
      method: 'POST',
      headers: {
        ...headersFor(DEMO),
        'content-type': body.contentType,
        accept: 'application/graphql-response+json',
        ...(options.chunked ? {} : { 'content-length': String(body.bytes) }),
      },
      timeout: options.timeoutMs ?? 20_000,
    });
    let answered = false;
    req.on('timeout', () => req.destroy(new Error('no answer before the client gave up')));
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => {
        answered = true;
        const text = Buffer.concat(parts).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    // Errors writing the rest of the body after the answer came (the server stopped reading) are not the
    // client's concern here; the answer is.
    Readable.from(body.chunks())
      .on('error', () => {})
      .pipe(req);
  });
}

/** A JSON GraphQL request of exactly `bytes` bytes (its variables pad it). */
export function paddedJson(bytes: number) {
  const bare = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
  const buffer = Buffer.from(
    JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(bytes - bare.length) } }),
  );
  return {
    contentType: 'application/json',
    bytes: buffer.length,
    chunks: async function* () {
      for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
    },
  };
}
