/**
 * The request line of a request whose connection was gone before its answer was ready claims no
 * status: none was sent. An operator trial cut an upload in flight with SIGTERM; the uploader got a
 * reset and no answer, and the gateway logged `"status":200,"aborted":true`, a success in every
 * dashboard that groups by status. The line now has no `status`, and says why: `"aborted":true`,
 * `"reason":"connection closed before the answer"`. A response sent whole, or cut while being sent
 * (`response cut`), keeps the status it was sent with.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** `slow` answers when the test releases it. */
let release: () => void = () => undefined;
let started: () => void = () => undefined;
const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { fast: String, slow: String }',
    resolvers: {
      Query: {
        fast: () => 'ok',
        slow: () =>
          new Promise<string>((resolve) => {
            release = () => resolve('late');
            started();
          }),
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

const body = (operationName: string, field: string) =>
  JSON.stringify({ query: `query ${operationName} { ${field} }`, operationName });

/** The request line of `operationName`, once written. */
async function lineOf(operationName: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const line = lines.find((l) => l.msg === 'request' && l.operationName === operationName);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no request line for ${operationName}: ${JSON.stringify(lines)}`);
}

/**
 * Starts a `slow` query named `operationName` on a connection of its own; resolves once its resolver
 * runs, with the request and the server's end of its connection.
 */
async function slowQuery(operationName: string) {
  const resolverStarted = new Promise<void>((resolve) => (started = resolve));
  const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const payload = body(operationName, 'slow');
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
  });
  const outcome = new Promise<string>((resolve) => {
    req.on('response', (res) => resolve(`HTTP ${res.statusCode}`));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  req.end(payload);
  await resolverStarted;
  return { req, outcome, socket: await connected };
}

describe('the request line of a request nobody got an answer to', () => {
  it('has no status when the gateway cut the connection (a shutdown), and says why', async () => {
    const { outcome } = await slowQuery('CutByServer');
    server.closeAllConnections();
    expect(await outcome).toBe('ECONNRESET');
    release();
    const line = await lineOf('CutByServer');
    expect(line).toMatchObject({
      level: 40,
      method: 'POST',
      path: '/graphql',
      operation: 'query',
      aborted: true,
      reason: 'connection closed before the answer',
    });
    expect(line).not.toHaveProperty('status');
  });

  it('has no status when the client left before the answer was ready', async () => {
    const { req, socket } = await slowQuery('ClientLeft');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    req.destroy();
    // Answered once the server has seen the connection close: nobody receives that answer.
    await closed;
    release();
    const line = await lineOf('ClientLeft');
    expect(line).toMatchObject({ level: 40, aborted: true, reason: 'connection closed before the answer' });
    expect(line).not.toHaveProperty('status');
  });

  it('keeps the status of an answer sent whole', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('Whole', 'fast'),
    });
    expect(response.status).toBe(200);
    const line = await lineOf('Whole');
    expect(line).toMatchObject({ level: 30, status: 200 });
    expect(line).not.toHaveProperty('aborted');
    expect(line).not.toHaveProperty('reason');
  });
});
