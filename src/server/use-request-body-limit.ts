/**
 * The size limit of every request body that is not a multipart upload (a JSON query document and its
 * variables, a urlencoded form, a GET that carries a body): past `maxBytes`, HTTP 413 with
 * BAD_USER_INPUT naming the limit and its setting, MAX_REQUEST_BODY_BYTES. Multipart uploads have
 * their own, much larger limits, applied as they stream (upload-limits.ts).
 *
 * It replaces yoga's `maxRequestBodySize` (turned off in gateway.ts), which applies one limit (25 MB)
 * to uploads and JSON alike, wraps every POST body in a counting stream pipeline (visible in CPU
 * profiles), and, on a chunked upload, read the body beside the upload parser until both stalled.
 * Here a body with a Content-Length costs one header check: Node's HTTP parser delivers exactly that
 * many bytes, never more. Only a chunked body (no Content-Length) is counted as it is read.
 *
 * A body refused before it was read whole is drained (drain-refused-body.ts), so that the client,
 * still sending, reads the 413 rather than a reset.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { drainRefusedBody } from './drain-refused-body.js';

export interface RequestBodyLimitOptions {
  /** Largest body of a request that is not a multipart upload, in bytes (MAX_REQUEST_BODY_BYTES, src/config-variables.ts). */
  maxBytes: number;
}

export function useRequestBodyLimit({ maxBytes }: RequestBodyLimitOptions): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      // Multipart uploads: use-streaming-uploads.ts takes exactly these, and bounds them itself.
      if (
        request.method === 'POST' &&
        request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')
      )
        return;
      const raw = (serverContext as { req?: unknown }).req;
      const req = raw instanceof Readable ? (raw as IncomingMessage) : null;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!/^\d+$/.test(declared)) throw refusal('The Content-Length header is not a whole number of bytes.', 400);
        if (Number(declared) > maxBytes) {
          if (req) drainRefusedBody(req);
          throw tooLarge(maxBytes);
        }
        return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser(async () => {
        // Read whole, then parsed by yoga's own parser for its content type (JSON, GraphQL, form).
        const body =
          req && !req.readableDidRead ? await readNode(req, maxBytes) : await readFetch(request.body!, maxBytes);
        return requestParser(
          new fetchAPI.Request(request.url, {
            method: request.method,
            headers: request.headers,
            body: body.toString('utf8'),
          }),
        );
      });
    },
  };
}

/** Reads Node's request to its end, or refuses it at `maxBytes` and drains the rest. */
function readNode(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', onError);
      drainRefusedBody(req);
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    const onError = () => reject(refusal('The request body was interrupted.', 400));
    req.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

/** Reads a Fetch body (yoga.fetch, other runtimes) to its end, or cancels it at `maxBytes`. */
async function readFetch(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
}

function tooLarge(maxBytes: number) {
  return refusal(
    `The request body is larger than the limit of ${maxBytes} bytes (MAX_REQUEST_BODY_BYTES) for a ` +
      `GraphQL request; send files as a multipart upload`,
    413,
  );
}

/** A refusal of the request as a whole, before it is parsed: yoga answers it with this HTTP status. */
function refusal(message: string, status: number) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
}
