/**
 * Together's `downloadUrl` is a link of the gateway's own (`/downloads/<grant>`): Together serves a
 * fine-tune's weights only to the account's key, so a browser could not use Together's URL. Here the
 * link is fetched with no credentials at all and gives the real archive, fetched from the Together
 * simulator once per download with the key of the caller who asked for the link (an undici
 * interceptor on the gateway's Together client sees each request's `Authorization`). A link is the
 * caller's only: another account gets no link to the job, and two keys' links fetch with their own
 * key. Unknown, tampered and expired links cost the upstream nothing. The key is in no answer, no
 * link, no log line (trace level) and no database row in the clear. Upstream faults are the gateway's
 * own short answers. On a manual clock (the gateway's and the simulator's), with the response cache
 * off: every `downloadUrl` asked runs (together-download-cache.spec.ts has the cache).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { createTogetherClient } from '../../src/upstream/together/together-client.js';
import { connectPglite, migrateToLatest, storeOn, type WebhookDb } from '../../src/webhooks/store/open-store.js';
import { EXPIRED_KEPT_MS } from '../../src/webhooks/store/download-grants.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { manualClock } from '../harness/manual-clock.js';
import { tracesIn } from '../harness/secret-traces.js';
import { startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY_A = 'tg-download-key-acme-7Qx2wR';
const KEY_B = 'tg-download-key-globex-9Lm4tZ';
const TTL_MS = 600_000;
const silent = pino({ level: 'silent' });

let stack: Stack;
let db: WebhookDb;
let store: WebhookStore;
let metrics: GatewayMetrics;
const lines: string[] = [];
/** What the gateway's Together client sent to the download route: path and Authorization. */
const downloads: Array<{ path: string; authorization: string | undefined; range?: string }> = [];
/** Every GraphQL answer's text, for the secrets check. */
const answers: string[] = [];

function headerOf(headers: Dispatcher.DispatchOptions['headers'], name: string): string | undefined {
  if (!headers || Array.isArray(headers) || typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function')
    return undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

beforeAll(async () => {
  db = await connectPglite('memory://', silent);
  await migrateToLatest(db);
  store = storeOn(db, { key: randomBytes(32), logger: silent });
  metrics = createGatewayMetrics({ processMetrics: false });
  const agent = new Agent().compose((dispatch) => (opts, handler) => {
    if (opts.path.includes('/finetune/download')) {
      const range = headerOf(opts.headers, 'range');
      downloads.push({
        path: opts.path,
        authorization: headerOf(opts.headers, 'authorization'),
        ...(range && { range }),
      });
    }
    return dispatch(opts, handler);
  });
  stack = await startStack({
    http: true,
    togetherSimulator: {
      jobSeconds: JOB_SECONDS,
      now: clock.now,
      tenants: [
        { token: KEY_A, accountId: 'tg-acme' },
        { token: KEY_B, accountId: 'tg-globex' },
      ],
    },
    togetherClient: (options) => createTogetherClient({ ...options, dispatcher: agent }),
    webhookStore: store,
    webhookDelivery: false,
    gateway: { now: clock.now, responseCache: null, metrics },
    logger: pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    ),
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await store.close();
});
beforeEach(() => {
  stack.togetherSimulator!.resetStats();
  stack.togetherSimulator!.setFaults({});
  downloads.length = 0;
});

const as = (key: string) => ({ authorization: `Bearer ${key}`, 'x-provider': 'together' });

async function gql(key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${stack.server!.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...as(key) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  answers.push(text);
  return JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: any }> };
}

const DOWNLOAD_URL = 'query($id: ID!) { job(id: $id) { status downloadUrl } }';

/** A job of `key`'s account, completed on the simulator's clock. */
async function completedJob(key: string, name: string): Promise<string> {
  const job = await createTogetherJob(stack.gateway, as(key), name);
  clock.at(job, 1.5);
  return job.id;
}

async function linkOf(key: string, id: string): Promise<string> {
  const { data, errors } = await gql(key, DOWNLOAD_URL, { id });
  expect(errors).toBeUndefined();
  expect(data.job.status).toBe('COMPLETED');
  return data.job.downloadUrl as string;
}

const grantOf = (link: string) => new URL(link).pathname.split('/').pop()!;
const hashOf = (grant: string) => createHash('sha256').update(grant).digest('hex');
const downloadCalls = () => stack.togetherSimulator!.stats()['GET /finetune/download'] ?? 0;
const grantRows = async () => (await sql<Record<string, unknown>>`select * from download_grants`.execute(db)).rows;

async function outcomes(): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('gateway_downloads_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels['outcome']), v.value]));
}

describe("Together's downloadUrl, a link of the gateway", () => {
  let jobA: string;
  let link: string;

  beforeAll(async () => {
    jobA = await completedJob(KEY_A, 'download-a');
    link = await linkOf(KEY_A, jobA);
  });

  it('is a gateway URL with an unguessable grant, and gives the real archive to a request without credentials', async () => {
    expect(link).toMatch(new RegExp(`^${stack.server!.url}/downloads/[A-Za-z0-9_-]{43}$`));
    const before = await outcomes();
    const response = await fetch(link);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=".+-adapter\.tar\.gz"$/);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    // One upstream download, made with the key of the caller who asked for the link.
    expect(downloadCalls()).toBe(1);
    const ftId = jobA.replace(/^together:/, '');
    expect(downloads).toEqual([
      { path: `/v1/finetune/download?ft_id=${ftId}&checkpoint=adapter`, authorization: `Bearer ${KEY_A}` },
    ]);
    // The very bytes Together's endpoint serves that key.
    const direct = await fetch(
      `${stack.togetherSimulator!.apiBaseUrl}/finetune/download?ft_id=${ftId}&checkpoint=adapter`,
      { headers: { authorization: `Bearer ${KEY_A}` } },
    );
    const expected = Buffer.from(await direct.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
    expect(bytes.equals(expected)).toBe(true);
    expect((await outcomes())['served']).toBe((before['served'] ?? 0) + 1);
  });

  it('answers HEAD with the headers alone (one upstream request, its body dropped)', async () => {
    const response = await fetch(link, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await response.text()).toBe('');
    expect(downloadCalls()).toBe(1);
  });

  it('passes a Range on to Together (whose simulator answers the whole file: passed back as it is)', async () => {
    const response = await fetch(link, { headers: { range: 'bytes=0-9' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(Number(response.headers.get('content-length')));
    expect(downloads.map((d) => d.range)).toEqual(['bytes=0-9']);
  });

  it('gives the same link when asked again while the grant is young, and keeps one row for it', async () => {
    const rowsBefore = (await grantRows()).length;
    expect(await linkOf(KEY_A, jobA)).toBe(link);
    expect(await linkOf(KEY_A, jobA)).toBe(link);
    expect((await grantRows()).length).toBe(rowsBefore);
    // Reused without asking Together for the job again, or downloading anything.
    expect(stack.togetherSimulator!.stats()['GET /finetune/download']).toBeUndefined();
  });

  it('gives another account no link to the job (NOT_FOUND, as today), and makes no grant', async () => {
    const rowsBefore = (await grantRows()).length;
    const { data, errors } = await gql(KEY_B, DOWNLOAD_URL, { id: jobA });
    expect(data?.job ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await grantRows()).length).toBe(rowsBefore);
  });

  it("serves each key's link with that key only: tenant A's link never fetches with tenant B's key", async () => {
    const jobB = await completedJob(KEY_B, 'download-b');
    const linkB = await linkOf(KEY_B, jobB);
    expect(linkB).not.toBe(link);
    expect((await fetch(linkB)).status).toBe(200);
    expect((await fetch(link)).status).toBe(200);
    expect(downloads.map((d) => [d.path.includes(jobB.replace('together:', '')), d.authorization])).toEqual([
      [true, `Bearer ${KEY_B}`],
      [false, `Bearer ${KEY_A}`],
    ]);
    const owners = new Set((await grantRows()).map((row) => row['owner_key']));
    expect(owners.size).toBe(2);
  });

  it('answers 404 to an unknown or tampered grant, without asking the upstream', async () => {
    const grant = grantOf(link);
    const tampered = `${grant.slice(0, -1)}${grant.endsWith('A') ? 'B' : 'A'}`;
    for (const path of [`/downloads/${tampered}`, '/downloads/nope', '/downloads/', `/downloads/${grant}/x`]) {
      const response = await fetch(`${stack.server!.url}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.text()).toBe('No such download link.\n');
    }
    expect(downloadCalls()).toBe(0);
    expect(downloads).toEqual([]);
    const post = await fetch(link, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('maps upstream faults to 503 and 502 with a short sentence, never the key or the upstream body', async () => {
    const simulator = stack.togetherSimulator!;
    const cases: Array<[object, number]> = [
      [{ error: { count: 1, status: 503 } }, 503],
      [{ rateLimit: { count: 1, retryAfterSeconds: 7 } }, 503],
      [{ error: { count: 1, status: 500 } }, 502],
      [{ drop: { count: 1 } }, 503],
    ];
    for (const [fault, status] of cases) {
      simulator.setFaults({ route: 'GET /finetune/download', ...fault });
      const response = await fetch(link);
      const body = await response.text();
      expect([JSON.stringify(fault), response.status]).toEqual([JSON.stringify(fault), status]);
      expect(body).toMatch(/^The fine-tuning service (is unavailable|failed)[^\n]*\n$/);
      expect(body).not.toMatch(/simulated|overloaded|server_error/);
      expect(tracesIn(body, [KEY_A, grantOf(link)])).toEqual([]);
    }
    expect(downloadCalls()).toBe(cases.length);
    const retried = await fetch(link);
    expect(retried.status).toBe(200);
    await retried.arrayBuffer();
  });

  // Regression: the grant was deleted at the first 410, so the second request to the same expired
  // link answered 404 ("No such download link.") instead of 410.
  it('answers 410 to an expired link on every request, without asking the upstream, until a day past its expiry', async () => {
    const jobC = await completedJob(KEY_A, 'download-expiring');
    const expiring = await linkOf(KEY_A, jobC);
    const expiresAt = clock.now() + TTL_MS;
    clock.set(expiresAt + 1);
    for (const method of ['GET', 'GET', 'HEAD']) {
      const response = await fetch(expiring, { method });
      expect(response.status).toBe(410);
      if (method === 'GET')
        expect(await response.text()).toBe(
          'This download link has expired: ask for downloadUrl again for a new one.\n',
        );
    }
    expect(downloadCalls()).toBe(0);
    const hash = hashOf(grantOf(expiring));
    // Kept to say so, its sealed key wiped.
    const kept = (await grantRows()).find((row) => row['grant_hash'] === hash);
    expect(kept?.['sealed_credentials']).toBe('');
    // Asked again, the job has a new link, which works; the old one still says 410.
    const renewed = await linkOf(KEY_A, jobC);
    expect(renewed).not.toBe(expiring);
    const fetched = await fetch(renewed);
    expect(fetched.status).toBe(200);
    await fetched.arrayBuffer();
    expect((await fetch(expiring)).status).toBe(410);
    // A day past its expiry, it is purged: unknown.
    clock.set(expiresAt + EXPIRED_KEPT_MS);
    const purged = await fetch(expiring);
    expect(purged.status).toBe(404);
    expect(await purged.text()).toBe('No such download link.\n');
    expect((await grantRows()).some((row) => row['grant_hash'] === hash)).toBe(false);
  });

  it('gives a new link once the grant has lived half its life (the old one still works until it expires)', async () => {
    const jobD = await completedJob(KEY_A, 'download-renewed');
    const first = await linkOf(KEY_A, jobD);
    clock.set(clock.now() + TTL_MS / 2 - 1_000);
    expect(await linkOf(KEY_A, jobD)).toBe(first);
    clock.set(clock.now() + 2_000);
    const second = await linkOf(KEY_A, jobD);
    expect(second).not.toBe(first);
    const old = await fetch(first);
    expect(old.status).toBe(200);
    await old.arrayBuffer();
  });

  it("links each saved checkpoint's weights too (JobCheckpoint.downloadUrl): the final one is the job's link", async () => {
    const job = await createTogetherJob(stack.gateway, as(KEY_A), 'download-steps', {
      nEpochs: 2,
      batchSize: 8,
      nCheckpoints: 2,
    });
    clock.at(job, 1.5);
    const { data, errors } = await gql(
      KEY_A,
      'query($id: ID!) { job(id: $id) { downloadUrl checkpoints { step final downloadUrl } } }',
      { id: job.id },
    );
    expect(errors).toBeUndefined();
    const checkpoints = data.job.checkpoints as Array<{ step: number; final: boolean; downloadUrl: string }>;
    expect(checkpoints.length).toBe(2);
    const final = checkpoints.find((c) => c.final)!;
    const intermediate = checkpoints.find((c) => !c.final)!;
    expect(final.downloadUrl).toBe(data.job.downloadUrl);
    expect(intermediate.downloadUrl).toMatch(/\/downloads\/[A-Za-z0-9_-]{43}$/);
    expect(intermediate.downloadUrl).not.toBe(final.downloadUrl);
    downloads.length = 0;
    const response = await fetch(intermediate.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(`-step-${intermediate.step}-adapter.tar.gz`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const ftId = job.id.replace(/^together:/, '');
    const upstreamPath = `/v1/finetune/download?ft_id=${ftId}&checkpoint=adapter&checkpoint_step=${intermediate.step}`;
    expect(downloads).toEqual([{ path: upstreamPath, authorization: `Bearer ${KEY_A}` }]);
    const direct = await fetch(`${stack.togetherSimulator!.origin}${upstreamPath}`, {
      headers: { authorization: `Bearer ${KEY_A}` },
    });
    expect(bytes.equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);
  });

  it('keeps the key and the grant out of every answer, link, log line and database row', async () => {
    const rows = await grantRows();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row['sealed_credentials']).toMatch(/^v1\./);
      expect(row['sealed_id']).toMatch(/^v1\./);
      expect(row['grant_hash']).toMatch(/^[0-9a-f]{64}$/);
    }
    const dump = JSON.stringify(rows);
    expect(tracesIn(dump, [KEY_A, KEY_B, grantOf(link)])).toEqual([]);
    expect(tracesIn([...answers, link].join('\n'), [KEY_A, KEY_B])).toEqual([]);
    const log = lines.join('');
    expect(tracesIn(log, [KEY_A, KEY_B, grantOf(link)])).toEqual([]);
    // The request log names the route's template.
    expect(log).toContain('"path":"/downloads/{grant}"');
  });
});
