/**
 * Parses a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * as a stream. The returned promise resolves with the operations as soon as the `operations` and `map`
 * fields have arrived, each `Upload` variable already set to its part's `UploadedFile`; the file parts
 * themselves arrive later, into `parts`, while execution runs. So a CSV flows from the caller to the
 * upstream without ever being held whole.
 *
 * Every refusal is BAD_USER_INPUT with HTTP 400 and names what was wrong with the body. A failure
 * after the operations were handed on (the body breaks, busboy errs) fails the parts still to come,
 * and the body is drained so that the connection ends cleanly. A body too slow (upload-pace.ts) is
 * refused with HTTP 408 naming the input field of the part being read when it was cut, and each part
 * still to come naming its own (upload-fields.ts); before "map", the request as a whole.
 */
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { createGraphQLError } from 'graphql-yoga';
import { badUserInput } from '../errors/bad-user-input.js';
import type { FilePart } from './file-part.js';
import type { FileParts } from './file-parts.js';
import { jsonDepthPast, jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.js';
import { uploadFields } from './upload-fields.js';
import { busboyLimits, MAX_FIELD_BYTES, maxFilesOf, partLimit, shownName, type UploadLimits } from './upload-limits.js';
import { UploadTooSlow } from './upload-pace.js';

export function parseMultipart(
  contentType: string,
  body: Readable | null,
  parts: FileParts,
  limits: UploadLimits,
): Promise<Record<string, unknown>> {
  if (!body) return Promise.reject(refuse('The multipart request has no body.'));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8', // Browsers send non-ASCII file names as raw UTF-8.
      limits: busboyLimits(limits),
    });
  } catch (error) {
    return Promise.reject(refuse(`The multipart request is malformed: ${(error as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    let operations: Record<string, unknown> | undefined;
    // Settled once the operations are handed to yoga (or refused): from then on a failure reaches the
    // parts, which the resolvers are reading, not the promise.
    let settled = false;
    // The part whose stream busboy was handed last: while busboy parses it, an error it is destroyed
    // with reaches that stream (and only it). Undefined for a part nobody reads.
    let reading: FilePart | undefined;
    // `error` refuses the request (before "map") and, unless `forPart` says otherwise, the parts to come.
    const fail = (error: Error, forPart: (part: FilePart) => Error = () => error) => {
      if (!settled) {
        settled = true;
        reject(error);
      }
      for (const part of parts.values()) part.fail(forPart(part));
      body.unpipe(parser);
      body.resume();
    };

    parser.on('field', (name, value, info) => {
      if (settled && name !== 'map') return;
      // busboy cuts a field at `fieldSize` and says so: the cut JSON would read as malformed.
      if (info.valueTruncated && (name === 'operations' || name === 'map')) return fail(tooLarge(name));
      const tooDeep = name === 'operations' || name === 'map' ? deepField(name, value) : null;
      if (tooDeep) return fail(tooDeep);
      if (name === 'operations') {
        const parsed = parseJson(value);
        if (!parsed || typeof parsed !== 'object')
          return fail(refuse('Multipart field "operations" must be a JSON object (or array) of GraphQL requests.'));
        operations = parsed as Record<string, unknown>;
        parts.holdTo(partLimit(operations, limits)); // before "map" adds any part
      } else if (name === 'map') {
        if (!operations) return fail(refuse('Multipart field "map" must come after "operations".'));
        const refusal = applyFileMap(value, operations, parts, maxFilesOf(limits));
        if (refusal !== null) return fail(refuse(refusal));
        settled = true;
        resolve(operations);
      } else {
        fail(
          refuse(`Unexpected multipart field ${shownName(name)}: only "operations", "map" and file parts are allowed.`),
        );
      }
    });

    parser.on('file', (name, stream, info) => {
      const part = parts.get(name);
      reading = settled ? part : undefined;
      if (!part || !settled) {
        discard(stream);
        if (!settled) fail(refuse(`File part ${shownName(name)} came before "operations" and "map".`));
        return;
      }
      parts.arrive(part, stream, info.filename ?? name, info.mimeType);
    });

    parser.on('close', () => {
      if (!settled) fail(refuse('The multipart request ended before its "operations" and "map" fields.'));
      for (const part of parts.values()) part.fail(neverSent(part));
    });
    parser.on('error', (error: Error) => fail(refuse(`The multipart request is malformed: ${error.message}`)));
    body.on('error', (error) => {
      if (!(error instanceof UploadTooSlow)) return fail(refuse(`The upload was interrupted: ${error.message}`));
      // The gateway's own cut of the body: each part still to come is refused naming its field, and so
      // is the part being read (busboy hands it the error), so that its upstream upload ends now.
      fail(error.refusal(null), (part) => error.refusal(part.field));
      parser.destroy(error.refusal(reading?.field ?? null));
    });
    body.pipe(parser);
  });
}

/**
 * A part nobody reads: drained, and its errors heard (busboy hands it the body's, such as the upload
 * pace's cut once the client stalls); unheard, one ended the process.
 */
function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}

/** The body ended without the part: it names the input field the part was to fill. */
function neverSent(part: FilePart) {
  return badUserInput(
    part.field,
    `${part.field}: the multipart request has no file part ${shownName(part.name)} although "map" names it.`,
  );
}

/** busboy cut the field at its `fieldSize`. */
function tooLarge(name: string) {
  return refuse(
    `Multipart field ${JSON.stringify(name)} is larger than the limit of ${MAX_FIELD_BYTES} bytes (1 ` +
      `MiB) for the operations and their file map.`,
    413,
  );
}

/** A refusal of the request as a whole, before execution: yoga answers it with this HTTP status. */
function refuse(message: string, status = 400) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
}

/** Sets each mapped part's upload at its variable paths; the refusal's message when the map is wrong. */
function applyFileMap(
  value: string,
  operations: Record<string, unknown>,
  parts: FileParts,
  maxFiles: number,
): string | null {
  const map = parseJson(value);
  if (!isFileMap(map))
    return 'Multipart field "map" must be a JSON object of file part names to arrays of variable paths.';
  const entries = Object.entries(map);
  // Refused before any part is made: a map of 30,000 names held the event loop for a second or more.
  if (entries.length > maxFiles)
    return `Multipart "map" names ${entries.length} file parts; a request may carry at most ${maxFiles}.`;
  const fieldOf = uploadFields(operations);
  for (const [partName, paths] of entries) {
    // A part is streamed to the one resolver that reads it, never held: it cannot fill two variables.
    if (paths.length !== 1)
      return (
        `Multipart "map": part ${shownName(partName)} is mapped to ${paths.length} variables; ` +
        'each file part fills exactly one (send the file once for each).'
      );
    const part = parts.add(partName, fieldOf(paths[0]!));
    for (const path of paths) {
      if (!setPath(operations, path, part.upload))
        return `Multipart "map": ${shownName(path)} is not a variable path of the operations.`;
    }
  }
  return null;
}

/** A field nested past MAX_JSON_DEPTH (json-depth.ts), refused before it is parsed; null for one within it. */
function deepField(name: 'operations' | 'map', text: string): Error | null {
  const at = jsonDepthPast(text);
  if (at === -1) return null;
  if (name === 'operations') return jsonTooDeep(text, at);
  return refuse(`Multipart field "map" is nested more than ${MAX_JSON_DEPTH} levels deep; a file map is two.`);
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
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((paths) => Array.isArray(paths) && paths.every((p) => typeof p === 'string'))
  );
}

/** Sets `variables.file`-style paths; refuses paths that do not end in an existing null slot's parent. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let current: unknown = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    // The path comes from the caller: never let it reach an object's prototype.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  const last = keys.at(-1)!;
  if (
    typeof current !== 'object' ||
    current === null ||
    last === '__proto__' ||
    last === 'constructor' ||
    last === 'prototype'
  )
    return false;
  (current as Record<string, unknown>)[last] = value;
  return true;
}
