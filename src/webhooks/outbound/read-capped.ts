/**
 * Reads at most `maxBytes` of a response body, then stops: the stream is destroyed, which makes
 * undici close the connection instead of draining (or waiting for) the rest. An endpoint can answer
 * with an endless body; the gateway keeps only the start, for the delivery's attempt record.
 */
import type { Readable } from 'node:stream';

export interface CappedBody {
  /** What was read, at most `maxBytes`. */
  bytes: Buffer;
  /** The body went on past `maxBytes` (the rest was dropped). */
  truncated: boolean;
  /** Why reading stopped early (the attempt's deadline, a reset), or null. */
  failure: unknown;
}

export async function readCapped(body: Readable, maxBytes: number): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let failure: unknown = null;
  try {
    // Leaving the loop early (break or throw) destroys the stream.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    failure = error;
  }
  return { bytes: Buffer.concat(chunks, size), truncated, failure };
}
