/** Operators get one line per request, and never a token, a variable or a body in it. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let gateway: Gateway;
let closeGateway: () => Promise<void>;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  stack = await startStack();
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const composed = await gatewayOnClient(stack.client, { logger });
  gateway = composed.gateway;
  closeGateway = composed.close;
});
afterAll(async () => {
  await closeGateway();
  await stack.close();
});

describe('request log', () => {
  it('logs the operation, its type, the status and the duration, and no secret', async () => {
    const token = `hf_${'z'.repeat(34)}`;
    await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersFor(DEMO) },
      body: JSON.stringify({
        query: 'mutation Export($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
        variables: { i: { jobId: 'job-x', userId: 'me', accessToken: token, repositoryId: 'me/adapter' } },
      }),
    });
    const line = lines.find((l) => l.msg === 'request' && l.operationName === 'Export');
    expect(line).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'mutation',
      operationName: 'Export',
      ms: expect.any(Number),
    });
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(DEMO.token);
  });

  it('logs health probes at debug only', async () => {
    await gateway.yoga.fetch('http://gateway.test/readyz');
    expect(lines.find((l) => l.path === '/readyz')).toMatchObject({ level: 20, status: 200 });
  });
});
