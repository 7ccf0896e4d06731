/**
 * Issue 17, item 7: GraphiQL's page (about 9 MB, self-contained) may not be framed, like the
 * dashboard, and is served from memory: rendered once, gzipped once, revalidated by ETag.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const page = (headers: Record<string, string> = {}) =>
  stack.gateway.yoga.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html', ...headers } });

describe('GraphiQL at /graphql', () => {
  it('may not be framed', async () => {
    const response = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('is sent gzipped to a browser that accepts it, the same page as uncompressed', async () => {
    const plain = await page();
    const html = await plain.text();
    expect(html).toContain('Fine-tuning gateway');
    const zipped = await page({ 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const bytes = Buffer.from(await zipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(html.length / 3);
    expect(gunzipSync(bytes).toString()).toBe(html);
  });

  it('answers a reload with 304 by its ETag', async () => {
    const first = await page();
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    await first.arrayBuffer();
    const again = await page({ 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect(again.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
