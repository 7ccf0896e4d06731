/**
 * One file part of a streamed multipart request, as the `Upload` scalar hands it to resolvers: its
 * stream once busboy reaches it in the body, or why it never will. The bytes are never buffered here:
 * the stream is busboy's own, handed on as it arrives. Whether a field may open it yet is not this
 * file's business: `FileParts` decides that (the order rule) and is passed in as `open`.
 */
import type { Readable } from 'node:stream';
import type { UploadedFile } from '../resolvers/upload.js';
import { badUserInput } from '../errors/bad-user-input.js';
import { capped, fileTooLarge, shownName } from './upload-limits.js';

export class FilePart {
  readonly upload: UploadedFile;
  private stream: Readable | undefined;
  private opened = false;
  private error: Error | undefined;
  private tooLarge: Error | undefined;
  private waiters: Array<{ resolve: (s: Readable) => void; reject: (e: Error) => void }> = [];
  private filename = '';
  private mimeType = 'application/octet-stream';

  /**
   * `field`: the input field it fills, which its refusals name (upload-fields.ts); `maxBytes`: what the
   * part may hold, past which the gateway refuses it (null: no limit of the gateway's own, see upload-limits.ts).
   */
  constructor(
    readonly name: string,
    readonly field: string,
    private readonly maxBytes: number | null,
    open: (part: FilePart) => Promise<Readable>,
  ) {
    // Getters: the name and type are known only once the part arrives, after the resolver got the Upload.
    const described = { filename: () => this.filename, mimeType: () => this.mimeType };
    this.upload = {
      kind: 'uploaded-file',
      get filename() {
        return described.filename();
      },
      get mimeType() {
        return described.mimeType();
      },
      failure: () => this.tooLarge,
      open: async () => {
        const stream = await open(this);
        // Refused already (its first bytes were past the limit): no field starts reading it, nor an upstream upload.
        if (this.tooLarge) throw this.tooLarge;
        return stream;
      },
    };
  }

  /** Records the stream; hands it to the fields waiting for it. Whether any was. */
  arrive(stream: Readable, filename: string, mimeType: string): boolean {
    this.filename = filename;
    this.mimeType = mimeType;
    // Past the limit the stream fails: that tells the reader (the upstream upload) that the file is
    // incomplete, and `failure()` tells the resolver why.
    const { maxBytes } = this;
    this.stream =
      maxBytes === null
        ? stream
        : capped(stream, maxBytes, () => (this.tooLarge = fileTooLarge(this.field, filename, maxBytes)));
    // A part that fails before a field reads it (the body cut too slow while busboy parses it) must not
    // fail unheard, which ended the process; the field that opens it later gets the failure (`take`).
    this.stream.on('error', () => {});
    const waiters = this.waiters.splice(0);
    if (waiters.length > 0) this.opened = true;
    for (const w of waiters) w.resolve(this.stream);
    return waiters.length > 0;
  }

  /** The stream if it has arrived (now opened), or the failure; undefined while it is still to come. */
  take(): Promise<Readable> | undefined {
    if (this.stream) {
      this.opened = true;
      // Failed before it was opened: its error was emitted already, and a reader would wait for it forever.
      return this.stream.errored ? Promise.reject(this.stream.errored) : Promise.resolve(this.stream);
    }
    return this.error ? Promise.reject(this.error) : undefined;
  }

  wait(): Promise<Readable> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  rejectWaiters(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** The part will never arrive (the body failed or ended without it); a part that arrived keeps its stream. */
  fail(error: Error): void {
    if (this.stream) return;
    this.error ??= error;
    this.rejectWaiters(this.error);
  }

  /** No field will open it any more: drain it if it came unread, refuse whoever still waits. */
  abandon(): void {
    if (this.stream && !this.opened) drain(this.stream);
    this.rejectWaiters(
      badUserInput(this.field, `${this.field}: part ${shownName(this.name)} was not sent before the operation ended`),
    );
  }
}

/** Reads a stream nobody will read to its end, so that the request body goes on (an error, the size limit, is of no interest). */
function drain(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}
