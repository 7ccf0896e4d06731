/**
 * `/dashboard`: the built page and its assets with a CSP that allows only the gateway's own origin
 * (and its same-host WebSocket); a clear 404 when the bundle was not built; nothing outside it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let built: string;
let stack: Stack;
let unbuilt: Stack;

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'dashboard-'));
  await writeFile(join(built, 'index.html'), '<!doctype html><title>dash</title>');
  await writeFile(join(built, 'app.js'), 'console.log(1)');
  stack = await startStack({ gateway: { dashboardDir: built } });
  unbuilt = await startStack({ gateway: { dashboardDir: join(built, 'missing') } });
});
afterAll(async () => {
  await stack.close();
  await unbuilt.close();
  await rm(built, { recursive: true, force: true });
});

const get = (s: Stack, path: string, host = 'gateway.test:4000') =>
  s.gateway.yoga.fetch(`http://${host}${path}`, { headers: { host } });

describe('/dashboard', () => {
  it('redirects /dashboard to /dashboard/, which serves the page with a same-origin CSP', async () => {
    const redirect = await get(stack, '/dashboard');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/dashboard/');

    const page = await get(stack, '/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>dash</title>');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' ws://gateway.test:4000 wss://gateway.test:4000",
        "frame-ancestors 'none'",
      ]),
    );

    const script = await get(stack, '/dashboard/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('names no WebSocket source for a Host that is not a host name', async () => {
    const page = await stack.gateway.yoga.fetch('http://gateway.test/dashboard/', {
      headers: { host: 'evil.test; script-src *' },
    });
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'; ");
  });

  it('serves nothing outside the bundle', async () => {
    for (const path of [
      '/dashboard/..%2F..%2Fpackage.json',
      '/dashboard/%2e%2e/%2e%2e/src/config.ts',
      '/dashboard/missing.js',
    ]) {
      const response = await get(stack, path);
      expect(response.status, path).toBe(404);
    }
  });

  it('answers a malformed %-escape with 400, naming no internal path', async () => {
    for (const path of ['/dashboard/%E0%A4%A', '/dashboard/%', '/dashboard/app%zz.js']) {
      const response = await get(stack, path);
      expect(response.status, path).toBe(400);
      const text = await response.text();
      expect(text).toBe('The dashboard path is not a valid URL path (a malformed %-escape).\n');
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
  });

  it('answers 404 saying how to build it when the bundle was not built', async () => {
    const response = await get(unbuilt, '/dashboard/');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(
      'The dashboard has not been built: run `npm run build:dashboard` (`npm start` builds it first).\n',
    );
  });
});
