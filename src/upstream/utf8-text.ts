/**
 * An upload's bytes passed on as they are once known to be UTF-8 text, as the pre-flight and both
 * providers require (Nscale takes UTF-8 CSV; Together UTF-8 JSONL, which a CSV is converted to): each
 * chunk is checked as it arrives, so that a file that is not is refused by the gateway, in words a
 * user can act on, before the upstream reads on (Together's conversion would send U+FFFD or U+0000,
 * Nscale's refusal named the GraphQL variable and nothing else).
 *
 * The refusal names the field (`file: `) and the file by its name (the one shown to the user), says
 * where the first byte at fault is (line and byte offset, counted as the bytes pass: nothing is kept
 * but the last 3 bytes) and says what to do: re-save it as UTF-8. A UTF-16 file (its byte order mark,
 * or the NUL bytes of ASCII text in it) is told so; a NUL byte in other text is binary data. A UTF-8
 * byte order mark is valid UTF-8, and passes.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { quote } from '../contract/quote.js';
import { UpstreamError } from './errors.js';

/** How to re-save a file as UTF-8 in the tools datasets are most often saved from. */
export const RESAVE_AS_UTF8 =
  're-save it as UTF-8 (from Excel: Save As, "CSV UTF-8 (Comma delimited)"; from LibreOffice or a text ' +
  'editor: the character set or encoding "UTF-8") and upload it again';

/**
 * The gateway's refusal of an upload's encoding: BAD_USER_INPUT on `file`, its message in the user's
 * terms and in the shape of every other refusal of an upload: the field, then the file by its name and
 * what is wrong with it (`file: "pic.png" is not a text file: …`). src/resolvers/file-refusal.ts passes
 * it on as it is.
 */
export class UploadEncodingError extends UpstreamError {
  /** `message`: what is wrong, starting with the file's name; `file: ` is put before it. */
  constructor(message: string) {
    super('BAD_USER_INPUT', `file: ${message}`, { field: 'file' });
  }
}

/**
 * `body` read through utf8Text: the stream to send. The upload's own failure (too large, too slow, the
 * client gone) fails it with the same error; it closing before `body` ended (refused, or destroyed by
 * a call that failed) destroys `body`, as a failed call did before.
 */
export function checkedUtf8(body: Readable, filename: string): Readable {
  const checked = body.pipe(utf8Text(filename));
  body.once('error', (error) => checked.destroy(error));
  // Refused, or destroyed by the call that failed: the upload is let go of too.
  checked.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  return checked;
}

/** Bytes of the longest incomplete UTF-8 sequence a chunk can end with. */
const TAIL = 3;

/** A Transform that passes `filename`'s bytes on unchanged, failing with UploadEncodingError at the first that is not UTF-8 text. */
export function utf8Text(filename: string): Transform {
  const name = quote(filename);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let passed = 0; // bytes passed on
  let lines = 1; // the line the next byte is on
  let tail = Buffer.alloc(0); // the last TAIL bytes passed on
  let start: Buffer | null = Buffer.alloc(0); // the file's first 2 bytes while they are in the first chunks
  const place = (offset: number, line: number) => `line ${line} (byte offset ${offset.toLocaleString('en-US')})`;
  const refusal = (chunk: Buffer): UploadEncodingError => {
    const nul = chunk.indexOf(0);
    if (start !== null && isUtf16(start, nul >= 0))
      return new UploadEncodingError(`${name} is UTF-16 text, not UTF-8: ${RESAVE_AS_UTF8}.`);
    if (nul >= 0)
      return new UploadEncodingError(
        `${name} is not a text file: it holds binary data (a NUL byte at ` +
          `${place(passed + nul, lines + count(chunk.subarray(0, nul), 0x0a))}), not UTF-8 text; ` +
          `if it is text, ${RESAVE_AS_UTF8}.`,
      );
    const joined = Buffer.concat([tail, chunk]);
    const at = Math.max(firstIllFormed(joined, syncPoint(joined, tail.length)), 0);
    // The line: newlines passed on, less those of the tail after the byte at fault, plus the chunk's before it.
    const line =
      lines -
      count(joined.subarray(Math.min(at, tail.length), tail.length), 0x0a) +
      count(chunk.subarray(0, Math.max(at - tail.length, 0)), 0x0a);
    const byte = joined[at]!.toString(16).toUpperCase().padStart(2, '0');
    return new UploadEncodingError(
      `${name} is not UTF-8 text: the byte 0x${byte} at ${place(passed - tail.length + at, line)} is not valid ` +
        `UTF-8 (a file saved as Latin-1 or Windows-1252?): ${RESAVE_AS_UTF8}.`,
    );
  };
  return new Transform({
    transform(chunk: Buffer | string, _encoding, done: TransformCallback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (start !== null) start = Buffer.concat([start, bytes]).subarray(0, 2);
      if (bytes.includes(0) || !decodes(decoder, bytes)) return done(refusal(bytes));
      if (start !== null && start.length === 2) start = null;
      passed += bytes.length;
      lines += count(bytes, 0x0a);
      tail = Buffer.concat([tail, bytes]).subarray(-TAIL);
      done(null, bytes);
    },
    flush(done: TransformCallback) {
      // A sequence cut by the end of the file: the byte at fault is its first.
      done(decodes(decoder) ? null : refusal(Buffer.alloc(0)));
    },
  });
}

function decodes(decoder: TextDecoder, chunk?: Buffer): boolean {
  try {
    if (chunk === undefined) decoder.decode();
    else decoder.decode(chunk, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function count(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i >= 0; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

/** A UTF-16 byte order mark, or (when the file holds a NUL) ASCII text in UTF-16: a NUL beside a byte that is not. */
function isUtf16(start: Buffer, holdsNul: boolean): boolean {
  const [a, b] = [start[0], start[1]];
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return true;
  return holdsNul && a !== undefined && b !== undefined && (a === 0) !== (b === 0);
}

/** Where to start reading `bytes` whose first `known` bytes were valid: past continuation bytes of a sequence begun earlier. */
function syncPoint(bytes: Buffer, known: number): number {
  let i = 0;
  while (i < known && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}

/** The index of the first byte of the first ill-formed sequence (Unicode's table 3-7), the last incomplete one included. */
function firstIllFormed(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const [size, low, high] =
      lead >= 0xc2 && lead <= 0xdf
        ? [2, 0x80, 0xbf]
        : lead >= 0xe0 && lead <= 0xef
          ? [3, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf]
          : lead >= 0xf0 && lead <= 0xf4
            ? [4, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf]
            : [0, 0, 0];
    if (size === 0 || i + size > bytes.length) return i;
    for (let k = 1; k < size; k++) {
      const next = bytes[i + k]!;
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += size;
  }
  return -1;
}
