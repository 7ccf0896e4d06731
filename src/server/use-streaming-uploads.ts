/**
 * GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec), parsed
 * as a stream. yoga's own parser reads the whole body into memory before execution starts; this one
 * hands the operation to yoga as soon as `operations` and `map` have arrived and gives each `Upload`
 * variable a lazy stream of its file part, so that a CSV flows from the caller to the upstream
 * without ever being held whole. A file over `maxFileBytes` fails its stream with BAD_USER_INPUT.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { UploadedFile } from '../resolvers/upload.js';
import { badUserInput } from './errors.js';

export interface StreamingUploadsOptions {
  /** Largest file part accepted, in bytes. */
  maxFileBytes: number;
  /** Most file parts in one request. @default 10 */
  maxFiles?: number;
}

export function useStreamingUploads(options: StreamingUploadsOptions): Plugin {
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (request.method !== 'POST' || !request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')) return;
      const req = (serverContext as { req?: unknown }).req;
      const body = req instanceof Readable && !req.readableDidRead ? req : request.body ? Readable.from(request.body as unknown as AsyncIterable<Uint8Array>) : null;
      setRequestParser(() => parseMultipart(request.headers.get('content-type')!, body, options));
    },
  };
}

function refuse(message: string, status = 400) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
}

function parseMultipart(contentType: string, body: Readable | null, options: StreamingUploadsOptions): Promise<Record<string, unknown>> {
  if (!body) return Promise.reject(refuse('The multipart request has no body.'));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8', // Browsers send non-ASCII file names as raw UTF-8.
      limits: { fileSize: options.maxFileBytes, files: options.maxFiles ?? 10, fields: 2, fieldSize: 1024 * 1024 },
    });
  } catch (error) {
    return Promise.reject(refuse(`The multipart request is malformed: ${(error as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    let operations: Record<string, unknown> | undefined;
    const parts = new Map<string, FilePart>();
    let settled = false;
    const fail = (error: Error) => {
      if (!settled) {
        settled = true;
        reject(error);
      }
      for (const part of parts.values()) part.fail(error);
      body.unpipe(parser);
      body.resume();
    };

    parser.on('field', (name, value) => {
      if (settled && name !== 'map') return;
      if (name === 'operations') {
        const parsed = parseJson(value);
        if (!parsed || typeof parsed !== 'object') return fail(refuse('Multipart field "operations" must be a JSON object (or array) of GraphQL requests.'));
        operations = parsed as Record<string, unknown>;
      } else if (name === 'map') {
        if (!operations) return fail(refuse('Multipart field "map" must come after "operations".'));
        const map = parseJson(value);
        if (!isFileMap(map)) return fail(refuse('Multipart field "map" must be a JSON object of file part names to arrays of variable paths.'));
        for (const [partName, paths] of Object.entries(map)) {
          const part = new FilePart(partName, options.maxFileBytes);
          parts.set(partName, part);
          for (const path of paths) {
            if (!setPath(operations, path, part.upload)) return fail(refuse(`Multipart "map": ${JSON.stringify(path)} is not a variable path of the operations.`));
          }
        }
        settled = true;
        resolve(operations);
      } else {
        fail(refuse(`Unexpected multipart field ${JSON.stringify(name)}: only "operations", "map" and file parts are allowed.`));
      }
    });

    parser.on('file', (name, stream, info) => {
      const part = parts.get(name);
      if (!part || !settled) {
        stream.resume();
        if (!settled) fail(refuse(`File part ${JSON.stringify(name)} came before "operations" and "map".`));
        return;
      }
      part.arrive(stream, info.filename ?? name, info.mimeType);
    });

    parser.on('close', () => {
      if (!settled) fail(refuse('The multipart request ended before its "operations" and "map" fields.'));
      for (const part of parts.values()) part.fail(badUserInput('file', `The multipart request has no file part ${JSON.stringify(part.name)} although "map" names it.`));
    });
    parser.on('error', (error: Error) => fail(refuse(`The multipart request is malformed: ${error.message}`)));
    body.on('error', (error) => fail(refuse(`The upload was interrupted: ${error.message}`)));
    body.pipe(parser);
  });
}

/** One file part: its stream once it arrives, or why it never will. */
class FilePart {
  readonly upload: UploadedFile;
  private stream: Readable | undefined;
  private error: Error | undefined;
  private tooLarge: Error | undefined;
  private waiters: Array<{ resolve: (s: Readable) => void; reject: (e: Error) => void }> = [];
  private filename = '';
  private mimeType = 'application/octet-stream';

  constructor(readonly name: string, private readonly maxBytes: number) {
    const part = this;
    this.upload = {
      kind: 'uploaded-file',
      get filename() {
        return part.filename;
      },
      get mimeType() {
        return part.mimeType;
      },
      failure: () => this.tooLarge,
      open: () =>
        this.stream ? Promise.resolve(this.stream) : this.error ? Promise.reject(this.error) : new Promise((resolve, reject) => this.waiters.push({ resolve, reject })),
    };
  }

  arrive(stream: Readable, filename: string, mimeType: string) {
    this.filename = filename;
    this.mimeType = mimeType;
    stream.once('limit', () => {
      this.tooLarge = badUserInput('file', `file: ${JSON.stringify(filename)} is larger than the upload limit of ${this.maxBytes} bytes`);
      stream.destroy(this.tooLarge);
    });
    this.stream = stream;
    for (const w of this.waiters.splice(0)) w.resolve(stream);
  }

  fail(error: Error) {
    if (this.stream) return;
    this.error ??= error;
    for (const w of this.waiters.splice(0)) w.reject(this.error);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isFileMap(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.values(value).every((paths) => Array.isArray(paths) && paths.every((p) => typeof p === 'string'))
  );
}

/** Sets `variables.file`-style paths; refuses paths that do not end in an existing null slot's parent. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let current: unknown = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  const last = keys.at(-1)!;
  if (typeof current !== 'object' || current === null || last === '__proto__' || last === 'constructor' || last === 'prototype') return false;
  (current as Record<string, unknown>)[last] = value;
  return true;
}
