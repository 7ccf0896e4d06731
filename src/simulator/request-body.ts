/** Reading a JSON request body, with a size cap and a message that says the body is not JSON. */
import type { IncomingMessage } from 'node:http';
import { ApiError, invalidArgument } from './api-error.js';

const MAX_JSON_BYTES = 1024 * 1024;

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw new ApiError('invalid_argument', 'request body: larger than 1 MiB', { status: 413 });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw invalidArgument('request body is not JSON: the body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidArgument(`request body is not JSON: ${(error as Error).message}`);
  }
}
