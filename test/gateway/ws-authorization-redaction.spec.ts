/**
 * Regression (issue 16): a WebSocket caller whose token came as `connectionParams.Authorization`
 * (capitalised) was served with it, but its token was not held for redaction: only the lower-case
 * `authorization` was. An upstream error quoting the token then reached the client and the log as it was.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createGateway } from '../../src/server/gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { startEchoingUpstream, type EchoingUpstream } from '../harness/echoing-upstream.js';
import { tracesIn } from '../harness/secret-traces.js';

const CALLER = { token: 'capital-Tok"en\\9Qv', organizationId: 'capital-org' };

let simulator: Simulator;
let echo: EchoingUpstream;
let client: ClosableUpstreamClient;
let server: RunningServer;
const lines: string[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, jobSeconds: 2, tenants: [CALLER] });
  echo = await startEchoingUpstream(simulator.origin);
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  client = createUpstreamClient({
    baseUrl: echo.apiBaseUrl,
    deadlineMs: 5_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    logger,
  });
  const gateway = createGateway({ client, fallbackCredentials: null, logger });
  server = await startHttpServer(gateway, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  await client.close();
  await echo.close();
  await simulator.close();
});

function firstResult(connectionParams: Record<string, unknown>): Promise<any> {
  const ws = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
  });
  return new Promise<any>((resolve, reject) => {
    ws.subscribe({ query: '{ datasets { id } }' }, { next: resolve, error: reject, complete: () => {} });
  }).finally(() => ws.dispose());
}

describe('a WebSocket token sent as connectionParams.Authorization', () => {
  it.each([['Authorization'], ['authorization']])(
    'under %s, appears in no error and no log line when the upstream quotes it',
    async (name) => {
      lines.length = 0;
      // Served with it first: the token is honoured under either name.
      const served = await firstResult({ [name]: `Bearer ${CALLER.token}`, organizationId: CALLER.organizationId });
      expect(served.errors).toBeUndefined();

      echo.echoNext(1);
      const result = await firstResult({ [name]: `Bearer ${CALLER.token}`, organizationId: CALLER.organizationId });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result)).toContain('[redacted]');
      expect(tracesIn(JSON.stringify(result), [CALLER.token])).toEqual([]);
      expect(lines.length).toBeGreaterThan(0);
      expect(tracesIn(lines.join('\n'), [CALLER.token])).toEqual([]);
    },
  );
});
