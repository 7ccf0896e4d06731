/**
 * Raw TCP clients for the connection-limit specs: what an attacker sends, byte by byte, without a
 * client library that would refuse to (a frame header announcing 10 MB, headers never finished).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server has closed the connection (or it was reset). */
  closed: Promise<void>;
}

export async function openRaw(url: string): Promise<RawSocket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {}); // a reset is one way for the server to close
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Waits until `raw` has received `predicate`-satisfying bytes. */
export async function receivedWhen(raw: RawSocket, predicate: (bytes: Buffer) => boolean): Promise<Buffer> {
  for (;;) {
    const bytes = raw.received();
    if (predicate(bytes)) return bytes;
    await new Promise<void>((resolve) => raw.socket.once('data', () => resolve()));
  }
}

/** A graphql-transport-ws upgrade on `/graphql`, resolved once the 101 has come; later bytes are frames. */
export async function openRawWebSocket(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  const raw = await openRaw(url);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  raw.socket.write(
    `GET /graphql HTTP/1.1\r\nHost: ${new URL(url).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: graphql-transport-ws\r\n${extra.join('')}\r\n`,
  );
  const head = await receivedWhen(raw, (bytes) => bytes.includes('\r\n\r\n'));
  if (!head.toString('latin1').startsWith('HTTP/1.1 101')) throw new Error(`no upgrade: ${head.toString('latin1')}`);
  const start = head.indexOf('\r\n\r\n') + 4;
  return { ...raw, received: () => raw.received().subarray(start) };
}

/** The header of a masked client text frame announcing `length` payload bytes, with its mask (zeros). */
export function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, 0x80 | length, 0, 0, 0, 0]);
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header; // mask: the last four bytes, zeros (payload bytes travel as they are)
}

/** A whole masked client text frame. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('textFrame: short messages only');
  return Buffer.concat([textFrameHeader(payload.length), payload]);
}

/** The complete frames sent by the server so far (server frames are not masked). */
function serverFrames(bytes: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const out: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (offset + length > bytes.length) break;
    out.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(offset, offset + length) });
    at = offset + length;
  }
  return out;
}

/** The code of the server's close frame, once it has come. */
export function closeCode(bytes: Buffer): number | undefined {
  const close = serverFrames(bytes).find((frame) => frame.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
}

/** The server's text messages so far. */
export function textMessages(bytes: Buffer): string[] {
  return serverFrames(bytes)
    .filter((frame) => frame.opcode === 0x1)
    .map((frame) => frame.payload.toString());
}
