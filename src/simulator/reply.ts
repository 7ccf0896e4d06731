/**
 * What a handler answers, as a value rather than writes to the response: the server can then delay
 * it, drop it or replace it (fault injection) after the handler ran, and tests of handlers need no socket.
 */
import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A Buffer is sent as is; anything else as JSON; undefined sends no body. */
  body?: unknown;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply =>
  headers === undefined ? { status, body } : { status, body, headers };

export const noContent = (): Reply => ({ status: 204 });

export function errorReply(error: ApiError): Reply {
  return { status: error.status, headers: error.headers, body: { code: error.code, message: error.message } };
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body));
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (payload !== undefined) headers['content-length'] = payload.length;
  res.writeHead(reply.status, headers);
  res.end(payload);
}
