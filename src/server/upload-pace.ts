/**
 * The slowest an upload body may arrive (UPLOAD_MIN_BYTES_PER_SECOND over each UPLOAD_RATE_WINDOW_SECONDS).
 * A streamed upload holds a request, a multipart parser and an upstream connection for as long as its
 * body takes; without a floor a body trickled at 30 bytes/s held them for the whole upload deadline
 * (300 s), and seventy of them held every connection to the upstream. A body that brings fewer bytes
 * than the floor in any one window (a stalled body brings none) fails, and the refusal names the rule
 * and the file part it cut.
 *
 * Only the client's slowness counts: a window at whose end the gateway itself holds bytes it has not
 * read yet (its parser paused because a part waits for its reader: an analysis waiting for a place in
 * the pool, or a worker behind the upload) is not the client's, and is not held against it. Such a
 * window brought few bytes because the gateway stopped reading them, not because they were slow to
 * come: four analyses of one caller held the pool, and the fifth caller's queued upload was cut as
 * "0 bytes in the last 15 s" by the gateway's own back-pressure. Once the gateway reads again and has
 * nothing left unread, a window the client fills too slowly fails as before.
 */
import { Transform, type Readable } from 'node:stream';
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';

export interface UploadPace {
  minBytesPerSecond: number;
  windowMs: number;
}

/** `body` as it arrives, failing with an `UploadTooSlow` when a window brings too few bytes. */
export function paced(body: Readable, pace: UploadPace): Readable {
  const floor = (pace.minBytesPerSecond * pace.windowMs) / 1000;
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // Bytes that arrived and wait for the gateway to read them: the body's own buffer (paused by the pipe)
  // and this stream's two sides.
  const gatewayBehind = (): boolean => body.readableLength + counted.writableLength + counted.readableLength > 0;
  const timer = setInterval(() => {
    if (bytes < floor && !gatewayBehind()) counted.destroy(new UploadTooSlow(bytes, pace));
    bytes = 0;
  }, pace.windowMs);
  timer.unref();
  counted.once('close', () => clearInterval(timer));
  counted.once('finish', () => clearInterval(timer));
  body.once('error', (error) => counted.destroy(error));
  return body.pipe(counted);
}

/**
 * The cut of a body too slow. It is not the refusal yet: which input field to name depends on the file
 * part that was being read when it came, which only the multipart parser knows (parse-multipart.ts).
 */
export class UploadTooSlow extends Error {
  constructor(
    readonly bytes: number,
    readonly pace: UploadPace,
  ) {
    super('the upload arrived too slowly and was cut');
  }

  /**
   * The refusal, HTTP 408 as the body did not arrive in time: naming `field` (the input field whose part
   * was cut, or that will never come), or the request as a whole when null (no part was mapped yet).
   */
  refusal(field: string | null): GraphQLError {
    const seconds = this.pace.windowMs / 1000;
    const rule =
      `${this.bytes} bytes in the last ${seconds} s, below the minimum of ${this.pace.minBytesPerSecond} ` +
      `bytes/s (UPLOAD_MIN_BYTES_PER_SECOND, over ${seconds} s windows).`;
    return field === null
      ? gatewayError('BAD_USER_INPUT', `The multipart request arrived too slowly and was cut: ${rule}`, {
          http: { status: 408 },
        })
      : gatewayError('BAD_USER_INPUT', `${field}: the upload arrived too slowly and was cut: ${rule}`, {
          field,
          http: { status: 408 },
        });
  }
}
