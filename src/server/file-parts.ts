/**
 * The file parts of one streamed multipart request, and the order rule between them.
 *
 * The body is read in order, so a part cannot be reached while an earlier part is unread. Mutation
 * fields run one after the other; if one opens part "1" while part "0" came first and nobody has
 * opened it, waiting would hang the request (busboy waits for part "0" to be read, and part "1" never
 * comes). So such an `open()` fails at once with BAD_USER_INPUT naming the part's field ("file parts must
 * be sent in the order the operation uses them"), and so does one already waiting when another part arrives first.
 *
 * The "blocking" part is the one that arrived last and that no field has opened: busboy goes no
 * further in the body until it is read. A part that arrived before it has been parsed to its end, so
 * it sits whole in its stream's buffer and stays openable by a later field.
 */
import type { Readable } from 'node:stream';
import { badUserInput } from '../errors/bad-user-input.js';
import { FilePart } from './file-part.js';
import { shownName } from './upload-limits.js';

export class FileParts {
  private readonly parts = new Map<string, FilePart>();
  private blocking: FilePart | undefined;
  private finished = false;

  /** What each part may hold (upload-limits.ts `partLimit`), set once the operations are known, before any part. */
  constructor(private maxBytes: number | null) {}

  holdTo(maxBytes: number | null): void {
    this.maxBytes = maxBytes;
  }

  /** `field`: the input field the part fills, which its refusals name (upload-fields.ts). */
  add(name: string, field: string): FilePart {
    const part = new FilePart(name, field, this.maxBytes, (p) => this.open(p));
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
      part.abandon(); // nobody waits any more: drained
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

function outOfOrder(wanted: FilePart, first: FilePart) {
  const firstField = first.field === wanted.field ? '' : ` (${first.field})`;
  return badUserInput(
    wanted.field,
    `${wanted.field}: part ${shownName(wanted.name)} is used before part ${shownName(first.name)}` +
      `${firstField}, which was sent first; file parts must be sent in the order the operation uses them`,
  );
}
