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
 *
 * Here too, the body's nesting (json-depth.ts): the text is read once, scanned, and handed to yoga's
 * parser, which reads the text the request keeps (node-fetch's ponyfill) instead of the body again.
 * Past MAX_JSON_DEPTH, HTTP 400 with BAD_USER_INPUT naming the field, before `JSON.parse` runs.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type FetchAPI, type Plugin } from 'graphql-yoga';
import { drainRefusedBody } from './drain-refused-body.js';
import { jsonDepthPast, jsonTooDeep } from './json-depth.js';

export interface RequestBodyLimitOptions {
  /** Largest body of a request that is not a multipart upload, in bytes (MAX_REQUEST_BODY_BYTES, src/config-variables.ts). */
  maxBytes: number;
  /** Called for each body refused for its nesting (json-depth.ts): a metric's count. */
  tooDeep?: () => void;
}

export function useRequestBodyLimit({ maxBytes, tooDeep }: RequestBodyLimitOptions): Plugin {
  const refuseDeep = (text: string, shape: TextShape) => {
    const refusal = deepRefusal(text, shape);
    if (refusal === null) return;
    tooDeep?.();
    throw refusal;
  };
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
      }
      if (!requestParser) return; // no parser takes it: use-unsupported-media-type.ts answers
      const shape = textShape(request.headers.get('content-type'));
      if (request.method === 'GET' || !request.body) {
        setRequestParser((request) => {
          const query = request.url.indexOf('?');
          if (query !== -1) refuseDeep(request.url.slice(query + 1), 'form');
          return requestParser(request);
        });
      } else if (declared !== null) {
        // Read once: the body's text is kept by the request (node-fetch's ponyfill), which the parser reads again.
        setRequestParser(async (request) => {
          let text: string;
          try {
            text = await request.text();
          } catch {
            return requestParser(request); // the client left: yoga's parser says so as ever
          }
          refuseDeep(text, shape);
          return requestParser(request.bodyUsed ? withText(fetchAPI, request, text) : request);
        });
      } else {
        setRequestParser(async (request) => {
          // Read whole, then parsed by yoga's own parser for its content type (JSON, GraphQL, form).
          const body =
            req && !req.readableDidRead ? await readNode(req, maxBytes) : await readFetch(request.body!, maxBytes);
          const text = body.toString('utf8');
          refuseDeep(text, shape);
          return requestParser(withText(fetchAPI, request, text));
        });
      }
    },
  };
}

/** How a body's text is read: JSON (any type but these two), a form's fields, or a GraphQL document (no JSON in it). */
type TextShape = 'json' | 'form' | 'graphql';

function textShape(contentType: string | null): TextShape {
  if (contentType === null) return 'json';
  if (/^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) return 'form';
  return /^\s*application\/graphql\s*(;|$)/i.test(contentType) ? 'graphql' : 'json';
}

/**
 * The refusal of a body nested past MAX_JSON_DEPTH (json-depth.ts), before yoga's parser reads it, or null.
 * A form's (or a GET's query string's) `variables` and `extensions` are the JSON yoga's parsers read in it.
 */
function deepRefusal(text: string, shape: TextShape): GraphQLError | null {
  if (shape === 'json') {
    const at = jsonDepthPast(text);
    return at === -1 ? null : jsonTooDeep(text, at);
  }
  if (shape === 'graphql' || text === '') return null;
  const params = new URLSearchParams(text);
  for (const name of ['variables', 'extensions']) {
    const value = params.get(name);
    const at = value === null ? -1 : jsonDepthPast(value);
    if (at !== -1) return jsonTooDeep(`{"${name}":${value}}`, at + name.length + 4);
  }
  return null;
}

function withText(fetchAPI: FetchAPI, request: Request, text: string): Request {
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body: text });
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
