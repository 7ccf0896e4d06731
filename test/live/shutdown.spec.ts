/**
 * Shutdown of the whole gateway (`startFromConfig` then `close()`, what SIGTERM runs): WebSockets
 * close with 1001 "Going away", SSE responses end, pollers stop and Redis leases are released.
 *
 * A shutdown is not the end of a job: a subscription of a job still running must not be reported
 * complete (the contract says `jobUpdated` completes after a final status). Closing with 1001 and
 * nothing else lets a graphql-ws client reconnect (to another instance) and resubscribe by itself;
 * a `complete` sent first would make it drop the subscription for good. Likewise an SSE response
 * ends without `event: complete`, so that an SSE client retries.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { LLAMA_INSTRUCT, QA_CSV, seedDataset } from '../harness/fixtures.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { manualClock } from '../harness/manual-clock.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually, startStack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { latest { step } } } }`;
const silent = pino({ level: 'silent' });
const FAST_POLLING = { POLL_INTERVAL_RUNNING_MS: '100', POLL_INTERVAL_QUEUED_MS: '100', POLL_INTERVAL_LIST_MS: '100' };

let admin: Redis;
beforeAll(() => {
  if (REDIS) admin = new Redis(REDIS_URL);
});
afterAll(() => admin?.quit());

function closeCodes(): { codes: number[]; onSocket: (s: WebSocket) => void } {
  const codes: number[] = [];
  return { codes, onSocket: (s) => s.on('close', (code) => codes.push(code)) };
}

describe.skipIf(!REDIS)(`startFromConfig then close()${REDIS_SKIP_REASON}`, () => {
  it('closes WebSockets with 1001, ends SSE responses, stops the pollers and releases the Redis lease', async () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SIMULATOR_JOB_SECONDS: '600',
      REDIS_URL,
      LOG_LEVEL: 'silent',
      ...FAST_POLLING,
    });
    const running = await startFromConfig(config, silent);
    let closed = false;
    try {
      const hub = running.gateway.services.live!;
      const { datasetId } = await seedDataset(running.gateway.services, DEMO);
      const job = await running.gateway.services.client.createJob(DEMO, {
        name: 'drained',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
      // Under the deployment's realm (redis-realm.ts), named by the embedded simulators' URLs.
      const { keyPrefix } = running.gateway.services.live!;
      expect(keyPrefix).toMatch(/^ftgw:live:[A-Za-z0-9_-]{12}:$/);
      const leaseKey = `${keyPrefix}lease:{job:demo-org:${encodeURIComponent(job.id)}}`;

      const socket = closeCodes();
      const client = wsClient(running.url, DEMO, { onSocket: socket.onSocket });
      const ws = subscribeWs(client, WATCH, { id: job.id });
      const wsEnd = ws.done.then(
        () => 'complete',
        (error: unknown) => (error as { code?: number }).code,
      );
      const sse = subscribeSse(fetch, running.url, WATCH, { id: job.id }, DEMO);
      const sseEnd = sse.done.then(
        () => 'ended',
        () => 'cut',
      );
      await eventually(
        () => (ws.events.length > 0 && sse.events.length > 0 ? true : undefined),
        10_000,
        'both subscribers to get the current state',
      );
      expect(hub.pollerCount()).toBe(1);
      await eventually(async () => ((await admin.exists(leaseKey)) === 1 ? true : undefined), 5_000, 'the lease');

      await running.close();
      closed = true;

      expect(socket.codes).toEqual([1001]);
      expect(await wsEnd).toBe(1001); // The subscription met the close, not a `complete`.
      // The SSE response is destroyed mid-stream (http.ts eventStreams().cut()): no final chunk, no `event: complete`.
      expect(await sseEnd).toBe('cut');
      expect(sse.completed).toBe(false);
      expect(ws.events.concat(sse.events).every((e) => e.errors === undefined)).toBe(true);
      expect(hub.pollerCount()).toBe(0);
      expect(await admin.exists(leaseKey)).toBe(0);
      await client.dispose();
    } finally {
      if (!closed) await running.close();
    }
  });

  it('a graphql-ws client with retries resubscribes on another instance and still gets the terminal event', async () => {
    const JOB_SECONDS = 1_000;
    const clock = manualClock(JOB_SECONDS);
    const simulator: Simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS, now: clock.now });
    const other = await startStack({ http: true, sharedSimulator: simulator });
    let first: RunningGateway | undefined;
    try {
      first = await startFromConfig(
        loadConfig({
          PORT: '0',
          HOST: '127.0.0.1',
          NSCALE_API_URL: simulator.apiBaseUrl,
          LOG_LEVEL: 'silent',
          ...FAST_POLLING,
        }),
        silent,
      );
      const { datasetId } = await seedDataset(other, DEMO);
      const job = await other.client.createJob(DEMO, {
        name: 'rolling',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
      clock.at(job, 0.3);

      const urls = [first.url, other.server!.url].map((u) => `${u.replace(/^http/, 'ws')}/graphql`);
      const client = createClient({
        url: () => urls.shift() ?? `${other.server!.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 3,
        retryWait: async () => {},
        connectionParams: { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId },
      });
      try {
        const sub = subscribeWs(client, WATCH, { id: job.id });
        let settled = false;
        void sub.done.finally(() => (settled = true)).catch(() => {});
        await eventually(
          () => (sub.events.length > 0 ? true : undefined),
          10_000,
          'the current state from the first instance',
        );

        await first.close();
        // The client reconnected to the other instance and subscribed again: it gets the current state again.
        await eventually(
          () => (other.live.pollerCount() === 1 && sub.events.length >= 2 ? true : undefined),
          10_000,
          'the resubscription',
        );
        expect(settled).toBe(false);

        clock.at(job, 1.5);
        await sub.done;
        expect(sub.events.every((e) => e.errors === undefined)).toBe(true);
        expect(sub.events.map((e) => e.data.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);
      } finally {
        await client.dispose();
      }
    } finally {
      await first?.close();
      await other.close();
      await simulator.close();
    }
  });
});

describe('the HTTP server close()', () => {
  it('does not wait for a WebSocket peer that never answers the close frame (main.ts exits with 1 after 10 s)', async () => {
    const stack = await startStack({ http: true });
    const { port } = new URL(stack.server!.url);
    const peer = connect(Number(port), '127.0.0.1');
    try {
      // A WebSocket handshake by hand; afterwards the peer reads everything and answers nothing.
      peer.write(
        'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
      );
      const [head] = (await once(peer, 'data')) as [Buffer];
      expect(head.toString()).toMatch(/^HTTP\/1\.1 101/);
      const peerClosed = once(peer, 'close');

      const outcome = await Promise.race([
        stack.server!.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, 8_000, 'still closing after 8 s')),
      ]);
      expect(outcome).toBe('closed');
      await peerClosed;
    } finally {
      peer.destroy();
      await stack.close();
    }
  });
});

describe('the gateway process', () => {
  it('on SIGTERM closes its WebSockets with 1001 and exits with 0', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SIMULATOR_JOB_SECONDS: '600',
      ...FAST_POLLING,
    };
    delete env.REDIS_URL;
    delete env.NSCALE_API_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /GraphiQL: (http:\/\/[^\s]+)\/graphql/.exec(out);
          if (match) resolve(match[1]!.replace('localhost', '127.0.0.1'));
        });
        void exited.then((code) => reject(new Error(`the gateway exited (${code}) before listening: ${stderr}`)));
      });
      expect(url).not.toMatch(/:0$/);

      // A job, through the gateway's own API (callers without credentials act as the demo tenant).
      const file = await uploadCsv(url, 'qa.csv', QA_CSV, null);
      const dataset = await postGraphQL(
        url,
        'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }',
        { input: { name: 'qa', trainingFileId: file.data!.uploadFile.id } },
        null,
      );
      const created = await postGraphQL(
        url,
        'mutation($input: CreateJobInput!) { createJob(input: $input) { id } }',
        {
          input: {
            name: 'sigterm',
            baseModelId: LLAMA_INSTRUCT,
            dataset: { id: dataset.data!.createDataset.id, answerColumn: 'answer' },
          },
        },
        null,
      );
      const jobId = created.data!.createJob.id as string;

      const socket = closeCodes();
      const client = wsClient(url, null, { onSocket: socket.onSocket });
      const sub = subscribeWs(client, WATCH, { id: jobId });
      const subEnd = sub.done.then(
        () => 'complete',
        (error: unknown) => (error as { code?: number }).code,
      );
      await eventually(() => (sub.events.length > 0 ? true : undefined), 10_000, 'the current state of the job');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await eventually(() => (socket.codes.length > 0 ? true : undefined), 5_000, 'the socket to close');
      expect(socket.codes).toEqual([1001]);
      expect(await subEnd).toBe(1001);
      expect(sub.events[0]!.data.jobUpdated.status).toBe('QUEUED');
      expect(stderr).toBe('');
      await client.dispose();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
