/**
 * The request log line of a response the client never got whole. An operator trial cut a slow upload
 * with SIGTERM: the client saw only `HTTP 100` (curl exit 55), and the gateway logged
 * `"status":200,"ms":10101`, a success nobody received, which error-rate queries then missed. Such a
 * line now says `"aborted":true`, at `warn`, with no status (none was sent) and its reason, when the
 * connection was gone before the answer was ready (the client left, or the gateway cut it while
 * stopping); an answer cut while being sent gets a
 * `response cut` line with `"aborted":true`. A response sent whole logs as before.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRequestScopes } from '../../src/server/use-request-id.js';
import { useRequestLog } from '../../src/server/use-request-log.js';

const lines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  }),
);

/** `slow` answers when the test says so; `big` answers more than a socket buffers. */
let release: () => void = () => undefined;
let started: () => void = () => undefined;
const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { fast: String, slow: String, big: String }',
    resolvers: {
      Query: {
        fast: () => 'ok',
        slow: () =>
          new Promise<string>((resolve) => {
            release = () => resolve('late');
            started();
          }),
        big: () => 'x'.repeat(16 * 1024 * 1024),
      },
    },
  }),
  plugins: [useRequestLog(createRequestScopes(logger))],
  logging: false,
});

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  lines.length = 0;
});

const body = (operationName: string, field: string) =>
  JSON.stringify({ query: `query ${operationName} { ${field} }`, operationName });

/** The line `msg` of `operationName`, once written. */
async function lineOf(operationName: string, msg = 'request'): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const line = lines.find((l) => l.msg === msg && l.operationName === operationName);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${msg} line for ${operationName}: ${JSON.stringify(lines)}`);
}

/** POSTs `payload` and returns the request, whose response the test reads or abandons. */
function post(payload: string) {
  return request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
  });
}

describe('the request log line of a response not sent whole', () => {
  it('is as before for a response sent whole: its status, at info, nothing about an abort', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('Fast', 'fast'),
    });
    expect(await response.json()).toEqual({ data: { fast: 'ok' } });
    const line = await lineOf('Fast');
    expect(line).toMatchObject({ level: 30, method: 'POST', path: '/graphql', status: 200, operation: 'query' });
    expect(line).not.toHaveProperty('aborted');
    expect(line).not.toHaveProperty('reason');
  });

  it('says aborted, at warn, when the client left before the answer was ready', async () => {
    const resolverStarted = new Promise<void>((resolve) => (started = resolve));
    const req = post(body('LeftEarly', 'slow'));
    req.on('error', () => undefined);
    req.end(body('LeftEarly', 'slow'));
    await resolverStarted;
    req.destroy();
    // The gateway answers after the client has gone: nobody receives that 200.
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const left = await lineOf('LeftEarly');
    expect(left).toMatchObject({
      level: 40,
      aborted: true,
      reason: 'connection closed before the answer',
      operation: 'query',
    });
    expect(left).not.toHaveProperty('status');
  });

  it('says aborted when the server cut the connection under a request in flight (a shutdown)', async () => {
    const resolverStarted = new Promise<void>((resolve) => (started = resolve));
    const req = post(body('CutByShutdown', 'slow'));
    const outcome = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    req.end(body('CutByShutdown', 'slow'));
    await resolverStarted;
    server.closeAllConnections();
    expect(await outcome).toBe('ECONNRESET');
    release();
    const cut = await lineOf('CutByShutdown');
    expect(cut).toMatchObject({ level: 40, aborted: true, reason: 'connection closed before the answer' });
    expect(cut).not.toHaveProperty('status');
  });

  it('adds a "response cut" line, aborted, when the connection closed while the answer was being sent', async () => {
    const payload = body('CutMidway', 'big');
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    // The first bytes of the answer arrive; then the client stops reading and goes.
    await new Promise((resolve) => socket.once('data', resolve));
    socket.pause();
    socket.destroy();
    // The request line was written before the answer went out (a gateway killed then has logged it);
    // the cut is a line of its own: one line with `aborted` for this request.
    expect(await lineOf('CutMidway')).toMatchObject({ level: 30, status: 200 });
    expect(await lineOf('CutMidway', 'response cut')).toMatchObject({
      level: 40,
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'query',
      aborted: true,
    });
    expect(lines.filter((l) => l.operationName === 'CutMidway' && l.aborted)).toHaveLength(1);
  });

  it('writes no "response cut" line for answers sent whole, nor a second line for one already aborted', async () => {
    for (let i = 0; i < 3; i++)
      await (
        await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body('Whole', 'fast'),
        })
      ).json();
    const resolverStarted = new Promise<void>((resolve) => (started = resolve));
    const req = post(body('GoneFirst', 'slow'));
    req.on('error', () => undefined);
    req.end(body('GoneFirst', 'slow'));
    await resolverStarted;
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await lineOf('GoneFirst');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.filter((l) => l.msg === 'request' && l.operationName === 'Whole')).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'response cut')).toEqual([]);
    expect(lines.filter((l) => l.operationName === 'GoneFirst')).toHaveLength(1);
  });
});
