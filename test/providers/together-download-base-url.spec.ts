/**
 * DOWNLOAD_LINK_BASE_URL: behind a proxy that terminates TLS (and may serve the gateway under a path),
 * the request's own origin is `http://<proxy's name>`, so a link made on it would be refused by a page
 * served over https, or point nowhere. With the setting, Together's `downloadUrl` starts with the URL
 * clients use, whatever Host or X-Forwarded-* the request carries; the link's path, sent to the gateway
 * as the proxy would (without its prefix), downloads the weights. A value with a query is refused at
 * start, naming the variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { manualClock } from '../harness/manual-clock.js';
import { startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY = 'tg-download-base-url';
const BASE = 'https://fine-tuning.example.com/gateway';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    http: true,
    env: { DOWNLOAD_LINK_BASE_URL: `${BASE}/` },
    togetherSimulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: [{ token: KEY, accountId: 'tg-base' }] },
    gateway: { now: clock.now, responseCache: null },
  });
}, 60_000);
afterAll(() => stack.close());

const headers = { authorization: `Bearer ${KEY}`, 'x-provider': 'together' };

describe('DOWNLOAD_LINK_BASE_URL', () => {
  it('makes Together download links on the URL clients use, not on the request’s Host', async () => {
    const job = await createTogetherJob(stack.gateway, headers, 'base-url');
    clock.at(job, 1.5);
    const response = await fetch(`${stack.server!.url}/graphql`, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'x-forwarded-host': 'elsewhere.example',
        'x-forwarded-proto': 'http',
      },
      body: JSON.stringify({ query: 'query($id: ID!) { job(id: $id) { downloadUrl } }', variables: { id: job.id } }),
    });
    const answer = (await response.json()) as { data?: { job: { downloadUrl: string } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    const link = answer.data!.job.downloadUrl;
    expect(link).toMatch(new RegExp(`^${BASE}/downloads/[A-Za-z0-9_-]{43}$`));

    // The proxy takes its prefix off: the gateway serves the rest.
    const download = await fetch(`${stack.server!.url}${new URL(link).pathname.replace(/^\/gateway/, '')}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('refuses a value with a query or credentials at start, naming the variable', () => {
    expect(() => loadConfig({ DOWNLOAD_LINK_BASE_URL: 'https://x.example/?a=1' })).toThrow(
      /DOWNLOAD_LINK_BASE_URL.*must be a plain URL: no user name, password, query or fragment/,
    );
    expect(() => loadConfig({ DOWNLOAD_LINK_BASE_URL: 'ftp://x.example' })).toThrow(
      /DOWNLOAD_LINK_BASE_URL.*must be an http\(s\) URL/,
    );
  });
});
