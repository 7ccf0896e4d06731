/**
 * The response cache and Together's download links: a cached answer never holds a link that expires
 * before the cached answer does. It is kept only while its link is one a fresh answer would hand out
 * (more than half the link's life left), so a short DOWNLOAD_LINK_TTL_SECONDS shortens the answer's
 * time-to-live below `Job.downloadUrl`'s minute, and what the cache serves always leaves half a
 * lifetime to use the link. With the default ten minutes the field's minute applies. The jobs run on a
 * manual clock; the gateway on real time where the cache's own expiry is watched (its store's clock).
 * A link is on the origin the caller reached the gateway at: the cache never hands one name's link to
 * a caller of another (trial: a gateway reached as two names served whichever filled the cache first).
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/upstream/types.js';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { manualClock } from '../harness/manual-clock.js';
import { ask } from '../harness/response-cache.js';
import { startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY: Credentials = { token: 'tg-download-cache-key-5Rt1', organizationId: '' };
const TOGETHER = { 'x-provider': 'together' };
const silent = pino({ level: 'silent' });
const DOWNLOAD_URL = 'query($id: ID!) { job(id: $id) { status downloadUrl } }';

async function start(
  ttlSeconds: number,
  now = clock.now,
  http = false,
): Promise<{ stack: Stack; store: WebhookStore }> {
  const db = await connectPglite('memory://', silent);
  await migrateToLatest(db);
  const store = storeOn(db, { key: randomBytes(32), logger: silent });
  const stack = await startStack({
    env: { DOWNLOAD_LINK_TTL_SECONDS: String(ttlSeconds) },
    togetherSimulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: [{ token: KEY.token, accountId: 'tg-c' }] },
    webhookStore: store,
    webhookDelivery: false,
    gateway: { now },
    http,
  });
  return { stack, store };
}

const read = (stack: Stack, id: string) =>
  ask(stack, DOWNLOAD_URL, { id }, KEY, { headers: TOGETHER, upstream: stack.togetherSimulator! });

describe('a download link in a cached answer', () => {
  let stack: Stack;
  let store: WebhookStore;
  afterAll(async () => {
    await stack?.close();
    await store?.close();
  });

  it('serves a new link, not the cached one, once the cached link is past half its life', async () => {
    // The gateway on real time here: the memory store's times-to-live run on it (a 4 s link: 2 s, less
    // the moment it took to answer).
    ({ stack, store } = await start(4, Date.now));
    const job = await createTogetherJob(stack.gateway, { authorization: `Bearer ${KEY.token}`, ...TOGETHER }, 'c3');
    clock.at(job, 1.5);
    const first = await read(stack, job.id);
    expect(first.headers.get('cache-control')).toBe('private, max-age=1');
    const link = first.body.data!.job.downloadUrl as string;
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    // Cached for the field's minute, it would still hand out this link, 1.8 s from expiring.
    const later = await read(stack, job.id);
    expect(later.headers.get('age')).toBe('0');
    expect(later.body.data!.job.downloadUrl).not.toBe(link);
    await stack.close();
    await store.close();
  });

  it("is cached for the field's minute with the default ten-minute links", async () => {
    ({ stack, store } = await start(600));
    const job = await createTogetherJob(stack.gateway, { authorization: `Bearer ${KEY.token}`, ...TOGETHER }, 'c2');
    clock.at(job, 1.5);
    const first = await read(stack, job.id);
    expect(first.body.errors).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
  });

  it('keeps the answers of each name the gateway is reached at apart: each holds a link on its own', async () => {
    await stack?.close();
    await store?.close();
    ({ stack, store } = await start(600, clock.now, true));
    const job = await createTogetherJob(stack.gateway, { authorization: `Bearer ${KEY.token}`, ...TOGETHER }, 'c4');
    clock.at(job, 1.5);
    const port = new URL(stack.server!.url).port;
    const over = async (origin: string) => {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY.token}`, ...TOGETHER },
        body: JSON.stringify({ query: DOWNLOAD_URL, variables: { id: job.id } }),
      });
      const body = (await response.json()) as { data?: { job: { downloadUrl: string } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return { link: body.data!.job.downloadUrl, age: response.headers.get('age') };
    };
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const first = await over(origin);
      expect(first.link.startsWith(`${origin}/downloads/`)).toBe(true);
      // Asked again on the same name, the cache answers (with `Age`), and with the same link.
      const again = await over(origin);
      expect(again.age).not.toBeNull();
      expect(again.link).toBe(first.link);
    }
  });
});
