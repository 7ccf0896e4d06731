/**
 * Regression (issue 16): a WebSocket caller whose token came as `connectionParams.Authorization`
 * (capitalised) was served with it, but its token was not held for redaction: only the lower-case
 * `authorization` was, so a log line written while its subscription ran could quote the token as it was.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ComposedGateway } from '../../src/server/compose-gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { RunningServer } from '../../src/server/http.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { startEchoingUpstream, type EchoingUpstream } from '../harness/echoing-upstream.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { tracesIn } from '../harness/secret-traces.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';

const CALLER = { token: 'capital-Tok"en\\9Qv', organizationId: 'capital-org' };

let simulator: Simulator;
let echo: EchoingUpstream;
let client: ClosableUpstreamClient;
let server: RunningServer;
let gateway: Gateway;
let composed: ComposedGateway;
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
  composed = await gatewayOnClient(client, { logger, listen: {} });
  ({ gateway } = composed);
  server = composed.server!;
  // A job, so that a jobsUpdated subscription's first event (the current jobs) says it is running.
  const { datasetId } = await seedDataset({ client }, CALLER);
  await client.createJob(CALLER, {
    name: 'held',
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });
});
afterAll(async () => {
  await composed.close();
  await client.close();
  await echo.close();
  await simulator.close();
});

function socketClient(connectionParams: Record<string, unknown>) {
  return createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
  });
}

function firstResult(connectionParams: Record<string, unknown>): Promise<any> {
  const ws = socketClient(connectionParams);
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

  it.each([['Authorization'], ['authorization']])(
    'under %s, appears in no log line written while its subscription runs',
    async (name) => {
      const ws = socketClient({ [name]: `Bearer ${CALLER.token}`, organizationId: CALLER.organizationId });
      try {
        // Its first event (the organization's current jobs) comes once its context is built.
        const first = await new Promise<any>((resolve, reject) => {
          ws.subscribe(
            { query: 'subscription { jobsUpdated { id } }' },
            { next: resolve, error: reject, complete: () => {} },
          );
        });
        expect(first.errors).toBeUndefined();
        lines.length = 0;
        gateway.logger.warn(`quoting ${CALLER.token}, ${JSON.stringify(CALLER.token)}, Bearer ${CALLER.token}`);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('[redacted]');
        expect(tracesIn(lines[0]!, [CALLER.token])).toEqual([]);
      } finally {
        await ws.dispose();
      }
    },
  );
});

/**
 * Regression (server-integrator trial): an empty token (`authorization: "Bearer "`) was held as a
 * secret, and the refusal naming the form to use reached the caller as `"[redacted]<service token>"`.
 */
describe('an empty token over WebSocket', () => {
  it('is refused with the whole message, nothing in it redacted', async () => {
    const ws = socketClient({ authorization: 'Bearer ', organizationId: CALLER.organizationId });
    try {
      const refusal = await new Promise<unknown>((resolve) => {
        ws.subscribe({ query: '{ datasets { id } }' }, { next: resolve, error: resolve, complete: () => {} });
      });
      const text = JSON.stringify(refusal);
      expect(text).toContain('The Authorization value must have the form \\"Bearer <service token>\\".');
      expect(text).not.toContain('[redacted]');
    } finally {
      await ws.dispose();
    }
  });
});

/**
 * Regression (issue 16): over WebSocket an operation's secrets were held only once its context was
 * built, after validation, so a validation error quoting an inline token reached the client as it was
 * (over HTTP they are held from the moment the parameters are read).
 */
describe('an inline token over WebSocket', () => {
  it('is not quoted by the validation error that refuses it', async () => {
    const token = 'hf_InlineUnquoted7Rw2';
    const ws = socketClient({ authorization: `Bearer ${CALLER.token}`, organizationId: CALLER.organizationId });
    try {
      const refusal = await new Promise<unknown>((resolve) => {
        ws.subscribe(
          {
            query: `mutation { exportJobToHuggingFace(input: { jobId: "job-x", userId: "me", accessToken: ${token}, repositoryId: "me/a" }) { id } }`,
          },
          { next: () => resolve(null), error: resolve, complete: () => {} },
        );
      });
      const text = JSON.stringify(refusal);
      expect(text).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(text).toContain('[redacted]');
      expect(tracesIn(text, [token])).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });
});
