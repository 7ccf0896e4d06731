/**
 * Regression: a request whose Host header is no host (`Host: a b`, `Host: [`, a port past 65535) was
 * answered 500 with a stack trace in text (the install's paths in it) by yoga's Node adapter, which
 * makes the request's URL from that header before any of the gateway's code runs, and nothing was
 * logged. Now it is 400 with a GraphQL-shaped error that names the header and never repeats its text,
 * a log line, and a count in the metrics; with the response cache on and off (hits are answered before
 * yoga, and a miss goes on to it).
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

function send(url: string, host: string, method: 'GET' | 'POST'): Promise<Answer> {
  const { port } = new URL(url);
  const body = JSON.stringify({ query: '{ __typename }' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: method === 'GET' ? '/graphql?query=%7B__typename%7D' : '/graphql',
        headers: {
          host,
          accept: 'application/json',
          ...(method === 'POST'
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: text }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

describe.each(['true', 'false'])('RESPONSE_CACHE_ENABLED=%s', (cache) => {
  let running: RunningGateway;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    running = await startFromConfig(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        RESPONSE_CACHE_ENABLED: cache,
        METRICS_ENABLED: 'true',
        METRICS_PORT: '0',
      }),
      pino({ level: 'info' }, sink),
    );
  });
  afterAll(() => running.close());

  it.each([
    ['bad host', 'POST'],
    ['[evil', 'POST'],
    ['localhost:99999', 'POST'],
    ['bad host', 'GET'],
  ] as const)('Host %j, %s: 400 naming the header, no stack trace, logged', async (host, method) => {
    const before = lines.length;
    const answer = await send(running.url, host, method);
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      errors: [
        {
          message:
            'The request cannot be read: its Host header is not a host name (with an optional port) nor an address.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    expect(answer.body).not.toContain(host);
    expect(lines.slice(before)).toContainEqual(
      expect.objectContaining({
        msg: 'request',
        path: '/graphql',
        status: 400,
        refused: 'unreadable Host header',
        host,
      }),
    );
  });

  it('a request with a readable Host is answered as before', async () => {
    const answer = await send(running.url, 'localhost', 'POST');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
  });
});
