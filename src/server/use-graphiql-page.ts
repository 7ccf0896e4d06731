/**
 * GraphiQL at `/graphql`, served in place of yoga's own page plugin. The page is self-contained (about
 * 9 MB: no CDN, see stack-notes) and yoga rendered it anew for every browser that opened it: twenty
 * loaders at once held the event loop and pushed every caller's p99 to seconds. Here it is rendered
 * once, gzipped once (off the event loop, in libuv's pool), and answered from memory with an ETag, so
 * that a reload costs a 304 and a first load a single write of about a fifth of the size.
 *
 * Like the dashboard, it may not be framed (`frame-ancestors 'none'`, and `X-Frame-Options` for older
 * browsers): a page that framed it could make a visitor's GraphiQL run operations with their cookies.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export interface GraphiQLPageOptions {
  /** Where GraphiQL answers: yoga's GraphQL endpoint. */
  endpoint: string;
  /** Renders the page once (the first time a browser asks). */
  render: () => Promise<string>;
}

interface RenderedPage {
  html: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer>;
  etag: string;
}

/**
 * The page's own stylesheet, after GraphiQL's: its header holds every example tab
 * (graphiql-examples.ts) in a 1280-px window. GraphiQL's header shrank the tab strip and its logo
 * together, so the last tab sat under the "+" button and the logo, in a strip that scrolled without a
 * scrollbar (a trial's user never saw it). Here the tabs are a little closer and smaller (the close
 * button keeps its room) and the title wraps to two short lines of a fixed width, so that the tabs
 * come first. test/browser/dashboard-zoom-layout.spec.ts checks every tab in view and under the
 * pointer at 1280 × 800.
 */
const GRAPHIQL_PAGE_STYLE = [
  '.graphiql-container .graphiql-tabs { gap: 4px; }',
  '.graphiql-container .graphiql-tab .graphiql-tab-button { padding-right: 24px; font-size: 14px; }',
  '.graphiql-container .graphiql-logo span { display: inline-block; max-width: 7em; font-size: 13px; line-height: 1.15; }',
].join('\n');

const SECURITY_HEADERS = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Revalidated at each load: the page changes when the gateway is upgraded.
  'cache-control': 'no-cache',
  vary: 'Accept-Encoding',
};

export function useGraphiQLPage({ endpoint, render }: GraphiQLPageOptions): Plugin {
  let page: Promise<RenderedPage> | null = null;
  const rendered = () => {
    page ??= renderOnce(render).catch((error: unknown) => {
      page = null; // a failed render is tried again by the next browser
      throw error;
    });
    return page;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== endpoint && url.pathname !== `${endpoint}/`) return;
      const { html, gzipped, etag } = await rendered();
      const headers = { ...SECURITY_HEADERS, etag };
      if (request.headers.get('if-none-match')?.includes(etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const acceptsGzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
      endResponse(
        new fetchAPI.Response(acceptsGzip ? gzipped : html, {
          status: 200,
          headers: {
            ...headers,
            'content-type': 'text/html; charset=utf-8',
            ...(acceptsGzip ? { 'content-encoding': 'gzip' } : {}),
          },
        }),
      );
    },
  };
}

async function renderOnce(render: () => Promise<string>): Promise<RenderedPage> {
  // The first </head> is the page's: GraphiQL's own styles and script come before and after it.
  const page = (await render()).replace('</head>', () => `<style>\n${GRAPHIQL_PAGE_STYLE}\n</style>\n</head>`);
  const html = new TextEncoder().encode(page);
  const gzipped = await promisify(gzip)(html);
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`;
  return { html, gzipped: new Uint8Array(gzipped), etag };
}
