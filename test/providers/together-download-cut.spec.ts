/**
 * A download link streams: the gateway passes Together's body on as it comes, never holding it, and
 * a client that leaves mid-download ends the upstream request. Seen from a proxy between the gateway's
 * Together client and the simulator, which sends the archive's headers and its first bytes, then holds
 * the rest: the client gets those bytes before the upstream has sent the whole file (nothing is
 * buffered), and when it closes its connection the proxy sees the gateway's upstream request closed
 * before the body was finished. The other way round, an upstream that cuts the transfer cuts the
 * client's connection (it sees the file incomplete instead of waiting).
 */
import { randomBytes } from 'node:crypto';
import { createServer, get, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTogetherClient } from '../../src/upstream/together/together-client.js';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { manualClock } from '../harness/manual-clock.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY = 'tg-download-cut-key-3Fh8';
const FIRST_BYTES = 64;
const silent = pino({ level: 'silent' });

/** What the proxy saw of each download the gateway asked for. */
interface HeldDownload {
  /** The bytes the simulator served (the proxy sent FIRST_BYTES of them). */
  whole: Buffer;
  /** Resolves with true when the gateway's request closed before the body ended. */
  closedEarly: Promise<boolean>;
  /** Sends the rest and ends the body; or cuts the connection. */
  finish(): void;
  cut(): void;
}

let stack: Stack;
let store: WebhookStore;
let proxy: Server;
let target = '';
const held: HeldDownload[] = [];

/** Forwards everything to the simulator; a download is answered with its first bytes, then held. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
    if (!req.url!.startsWith('/v1/finetune/download') || answer.statusCode !== 200) {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      const whole = Buffer.concat(chunks);
      res.writeHead(200, { ...answer.headers, 'content-length': String(whole.length) });
      res.write(whole.subarray(0, FIRST_BYTES));
      const closedEarly = new Promise<boolean>((resolve) => res.once('close', () => resolve(!res.writableFinished)));
      held.push({ whole, closedEarly, finish: () => res.end(whole.subarray(FIRST_BYTES)), cut: () => res.destroy() });
    });
  });
  req.pipe(upstream);
}

beforeAll(async () => {
  const db = await connectPglite('memory://', silent);
  await migrateToLatest(db);
  store = storeOn(db, { key: randomBytes(32), logger: silent });
  proxy = createServer(handle);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  stack = await startStack({
    http: true,
    togetherSimulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: [{ token: KEY, accountId: 'tg-cut' }] },
    // The client talks to the proxy, which forwards to the embedded simulator.
    togetherClient: (options) => {
      target = new URL(options.baseUrl).origin;
      return createTogetherClient({ ...options, baseUrl: `${proxyUrl}/v1` });
    },
    webhookStore: store,
    webhookDelivery: false,
    gateway: { now: clock.now, responseCache: null },
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await store.close();
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

async function link(): Promise<string> {
  const headers = { authorization: `Bearer ${KEY}`, 'x-provider': 'together' };
  const job = await createTogetherJob(stack.gateway, headers, `cut-${held.length}`);
  clock.at(job, 1.5);
  const response = await fetch(`${stack.server!.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: 'query($id: ID!) { job(id: $id) { downloadUrl } }', variables: { id: job.id } }),
  });
  return ((await response.json()) as { data: { job: { downloadUrl: string } } }).data.job.downloadUrl;
}

/** GETs `url`; resolves with the response and its first chunk, once it came. */
function firstChunk(url: string): Promise<{ res: IncomingMessage; chunk: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => res.once('data', (chunk: Buffer) => resolve({ res, chunk }))).on('error', reject);
  });
}

describe('a download link streams', () => {
  it('passes the first bytes on before the upstream sent the rest, and the whole file once it has', async () => {
    const url = await link();
    const { res, chunk } = await firstChunk(url);
    expect(res.statusCode).toBe(200);
    const download = await eventually(() => held[0], 5_000, 'the proxy to hold the download');
    expect(Number(res.headers['content-length'])).toBe(download.whole.length);
    expect(chunk.length).toBeLessThanOrEqual(FIRST_BYTES);
    const rest: Buffer[] = [chunk];
    const ended = new Promise<void>((resolve) => res.on('end', resolve));
    res.on('data', (more: Buffer) => rest.push(more));
    download.finish();
    await ended;
    expect(Buffer.concat(rest).equals(download.whole)).toBe(true);
    expect(await download.closedEarly).toBe(false);
  });

  it('ends the upstream request when the client leaves mid-download', async () => {
    const url = await link();
    const { res } = await firstChunk(url);
    const download = await eventually(() => held[1], 5_000, 'the proxy to hold the download');
    res.destroy();
    // The proxy's end of the gateway's upstream connection closes, the body unfinished.
    const closed = await Promise.race([
      download.closedEarly,
      new Promise<string>((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000)),
    ]);
    expect(closed).toBe(true);
  });

  it("cuts the client's connection when the upstream cuts the transfer", async () => {
    const url = await link();
    const { res } = await firstChunk(url);
    const download = await eventually(() => held[2], 5_000, 'the proxy to hold the download');
    const outcome = new Promise<string>((resolve) => {
      res.once('end', () => resolve('ended as if complete'));
      res.once('error', () => resolve('cut'));
      res.once('aborted', () => resolve('cut'));
    });
    download.cut();
    expect(await outcome).toBe('cut');
  });
});
