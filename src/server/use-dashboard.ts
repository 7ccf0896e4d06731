/**
 * Serves the dashboard (`npm run build:dashboard` builds it into dist/dashboard/) at `/dashboard`:
 * its page and assets, from files only, with a Content-Security-Policy that lets the page reach
 * nothing but this gateway: scripts, styles and requests from its own origin, and the WebSocket of
 * the same host (CSP's 'self' does not cover ws: in every browser, so it is named from the Host).
 * Without a built bundle, `/dashboard` answers 404 saying how to build it.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

export const DASHBOARD_PATH = '/dashboard';

/** Where the build puts the bundle, relative to this file (src/server → dist/dashboard). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A Host header as browsers send it (name or address, optional port); anything else names no WebSocket source. */
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function dashboardCsp(host: string | null): string {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function useDashboard(options: { dir?: string } = {}): Plugin {
  const dir = normalize(options.dir ?? DEFAULT_DASHBOARD_DIR);
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== DASHBOARD_PATH && !url.pathname.startsWith(`${DASHBOARD_PATH}/`)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(
          new Response('The dashboard is read with GET.\n', {
            status: 405,
            headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
        return;
      }
      // `/dashboard` itself redirects to `/dashboard/`, so that the page's relative asset URLs resolve under it.
      if (url.pathname === DASHBOARD_PATH) {
        endResponse(new Response(null, { status: 308, headers: { location: `${DASHBOARD_PATH}/${url.search}` } }));
        return;
      }
      // A malformed escape (`%E0%A4%A`) names no file: answered here, not thrown (a URIError would be a 500).
      let relative: string;
      try {
        relative = decodeURIComponent(url.pathname.slice(DASHBOARD_PATH.length + 1)) || 'index.html';
      } catch {
        endResponse(
          new Response('The dashboard path is not a valid URL path (a malformed %-escape).\n', {
            status: 400,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
        return;
      }
      const file = normalize(join(dir, relative));
      if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep) || !(extname(file) in TYPES)) {
        endResponse(notFound(`No such dashboard file: ${JSON.stringify(relative)}.`));
        return;
      }
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch {
        endResponse(
          relative === 'index.html'
            ? notFound('The dashboard has not been built: run `npm run build:dashboard` (`npm start` builds it first).')
            : notFound(`No such dashboard file: ${JSON.stringify(relative)}.`),
        );
        return;
      }
      endResponse(
        new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
          status: 200,
          headers: {
            'content-type': TYPES[extname(file)]!,
            'content-security-policy': dashboardCsp(request.headers.get('host')),
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
            // The page is small and changes with each build; assets keep their names, so nothing is cached for long.
            'cache-control': 'no-cache',
          },
        }),
      );
    },
  };
}

function notFound(message: string): Response {
  return new Response(`${message}\n`, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
