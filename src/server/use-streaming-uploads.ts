/**
 * GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec), parsed
 * as a stream. yoga's own parser reads the whole body into memory before execution starts; this one
 * hands the operation to yoga as soon as `operations` and `map` have arrived and gives each `Upload`
 * variable a lazy stream of its file part, so that a CSV flows from the caller to the upstream
 * without ever being held whole. A file over `maxFileBytes` fails its stream with BAD_USER_INPUT.
 *
 * Streaming has one consequence for the caller: the body is read in order, so a part cannot be reached
 * while an earlier part is unread. Mutation fields run one after the other; if one opens part "1"
 * while part "0" came first and nobody has opened it, waiting would hang the request (busboy waits
 * for part "0" to be read, and part "1" never comes). So such an `open()` fails at once with
 * BAD_USER_INPUT ("file parts must be sent in the order the operation uses them"), and so does one
 * already waiting when another part arrives first. The part that came first stays openable by a
 * later field. Whatever no field opened is drained once the response is ready, so that the request
 * body ends and the connection can be reused.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { UploadedFile } from '../resolvers/upload.js';
import { badUserInput } from '../errors/bad-user-input.js';

export interface StreamingUploadsOptions {
  /** Largest file part accepted, in bytes. */
  maxFileBytes: number;
  /** Most file parts in one request. @default 10 */
  maxFiles?: number;
}

export function useStreamingUploads(options: StreamingUploadsOptions): Plugin {
  // The file parts of each multipart request in progress, drained once its response is ready.
  const partsOf = new WeakMap<Request, FileParts>();
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (request.method !== 'POST' || !request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')) return;
      const req = (serverContext as { req?: unknown }).req;
      const body = req instanceof Readable && !req.readableDidRead ? req : request.body ? Readable.from(request.body as unknown as AsyncIterable<Uint8Array>) : null;
      const parts = new FileParts(options.maxFileBytes);
      partsOf.set(request, parts);
      setRequestParser(() => parseMultipart(request.headers.get('content-type')!, body, parts, options));
    },
    onResponse({ request }) {
      // Execution is over: no field will open a part any more. Those never opened (a field that
      // failed first, an unused variable, a skipped field) are drained, or the body would never end.
      partsOf.get(request)?.finish();
      partsOf.delete(request);
    },
  };
}

function refuse(message: string, status = 400) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
}

function parseMultipart(contentType: string, body: Readable | null, parts: FileParts, options: StreamingUploadsOptions): Promise<Record<string, unknown>> {
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
          const part = parts.add(partName);
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
      parts.arrive(part, stream, info.filename ?? name, info.mimeType);
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

/**
 * The file parts of one request, and the order rule between them. The "blocking" part is the one that
 * arrived last and that no field has opened: busboy goes no further in the body until it is read.
 * (A part that arrived before it has been parsed to its end, so it sits whole in its stream's buffer
 * and can still be opened.)
 */
class FileParts {
  private readonly parts = new Map<string, FilePart>();
  private blocking: FilePart | undefined;
  private finished = false;

  constructor(private readonly maxBytes: number) {}

  add(name: string): FilePart {
    const part = new FilePart(name, this.maxBytes, (p) => this.open(p));
    this.parts.set(name, part);
    return part;
  }

  get(name: string): FilePart | undefined {
    return this.parts.get(name);
  }

  values(): IterableIterator<FilePart> {
    return this.parts.values();
  }

  arrive(part: FilePart, stream: Readable, filename: string, mimeType: string): void {
    const awaited = part.arrive(stream, filename, mimeType);
    if (this.finished) {
      drain(stream);
      return;
    }
    if (awaited) return; // A field is reading it: the parts after it will come.
    this.blocking = part;
    for (const other of this.parts.values()) if (other !== part) other.rejectWaiters(outOfOrder(other, part));
  }

  /** No field opens a part any more: drain what was never opened, and whatever arrives from now on. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.blocking = undefined;
    for (const part of this.parts.values()) part.abandon();
  }

  private open(part: FilePart): Promise<Readable> {
    const ready = part.take();
    if (ready) {
      if (this.blocking === part) this.blocking = undefined;
      return ready;
    }
    if (this.blocking) return Promise.reject(outOfOrder(part, this.blocking));
    return part.wait();
  }
}

/** Reads a stream nobody will read to its end, so that the request body goes on (an error, the size limit, is of no interest). */
function drain(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}

function outOfOrder(wanted: FilePart, first: FilePart) {
  return badUserInput(
    'file',
    `file: part ${JSON.stringify(wanted.name)} is used before part ${JSON.stringify(first.name)}, which was sent first; file parts must be sent in the order the operation uses them`,
  );
}

/** One file part: its stream once it arrives, or why it never will. */
class FilePart {
  readonly upload: UploadedFile;
  private stream: Readable | undefined;
  private opened = false;
  private error: Error | undefined;
  private tooLarge: Error | undefined;
  private waiters: Array<{ resolve: (s: Readable) => void; reject: (e: Error) => void }> = [];
  private filename = '';
  private mimeType = 'application/octet-stream';

  constructor(readonly name: string, private readonly maxBytes: number, open: (part: FilePart) => Promise<Readable>) {
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
      open: () => open(this),
    };
  }

  /** Records the stream; hands it to the fields waiting for it. Whether any was. */
  arrive(stream: Readable, filename: string, mimeType: string): boolean {
    this.filename = filename;
    this.mimeType = mimeType;
    stream.once('limit', () => {
      this.tooLarge = badUserInput('file', `file: ${JSON.stringify(filename)} is larger than the upload limit of ${this.maxBytes} bytes`);
      stream.destroy(this.tooLarge);
    });
    this.stream = stream;
    const waiters = this.waiters.splice(0);
    if (waiters.length > 0) this.opened = true;
    for (const w of waiters) w.resolve(stream);
    return waiters.length > 0;
  }

  /** The stream if it has arrived (now opened), or the failure; undefined while it is still to come. */
  take(): Promise<Readable> | undefined {
    if (this.stream) {
      this.opened = true;
      return Promise.resolve(this.stream);
    }
    return this.error ? Promise.reject(this.error) : undefined;
  }

  wait(): Promise<Readable> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  rejectWaiters(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  fail(error: Error) {
    if (this.stream) return;
    this.error ??= error;
    this.rejectWaiters(this.error);
  }

  abandon(): void {
    if (this.stream && !this.opened) drain(this.stream);
    this.rejectWaiters(badUserInput('file', `file: part ${JSON.stringify(this.name)} was not sent before the operation ended`));
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
