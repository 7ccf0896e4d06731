/**
 * The slowest an upload body may arrive (UPLOAD_MIN_BYTES_PER_SECOND over each UPLOAD_RATE_WINDOW_SECONDS).
 * A streamed upload holds a request, a multipart parser and an upstream connection for as long as its
 * body takes; without a floor a body trickled at 30 bytes/s held them for the whole upload deadline
 * (300 s), and seventy of them held every connection to the upstream. A body that brings fewer bytes
 * than the floor in any one window (a stalled body brings none) fails with a refusal that names the rule.
 */
import { Transform, type Readable } from 'node:stream';
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';

export interface UploadPace {
  minBytesPerSecond: number;
  windowMs: number;
}

/** `body` as it arrives, failing with `tooSlow()`'s error when a window brings too few bytes. */
export function paced(body: Readable, pace: UploadPace): Readable {
  const floor = (pace.minBytesPerSecond * pace.windowMs) / 1000;
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const timer = setInterval(() => {
    if (bytes < floor) counted.destroy(tooSlow(bytes, pace));
    bytes = 0;
  }, pace.windowMs);
  timer.unref();
  counted.once('close', () => clearInterval(timer));
  counted.once('finish', () => clearInterval(timer));
  body.once('error', (error) => counted.destroy(error));
  return body.pipe(counted);
}

/** The refusal of a body too slow: HTTP 408, as the body did not arrive in time. */
function tooSlow(bytes: number, pace: UploadPace): GraphQLError {
  const seconds = pace.windowMs / 1000;
  return gatewayError(
    'BAD_USER_INPUT',
    `file: the upload arrived too slowly and was cut: ${bytes} bytes in the last ${seconds} s, below ` +
      `the minimum of ${pace.minBytesPerSecond} bytes/s (UPLOAD_MIN_BYTES_PER_SECOND, over ${seconds} ` +
      `s windows).`,
    { field: 'file', http: { status: 408 } },
  );
}
