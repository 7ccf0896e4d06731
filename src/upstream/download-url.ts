/**
 * Checks the download URL the upstream hands out before the gateway passes it to a user. The client
 * never fetches it (the redirect is read, not followed, so the caller's token cannot follow it to
 * another host); but users will, so a URL that could leak or mislead is refused as an upstream error.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { UpstreamError } from './errors.js';
import type { RawResponse } from './map-error.js';

const bodySchema = z.object({ download_url: z.string() }).partial();

export interface DownloadCheck {
  res: RawResponse;
  operation: string;
  /** The configured upstream; its host may be served over plain http (a local simulator). */
  upstream: URL;
}

export function readDownloadUrl({ res, operation, upstream }: DownloadCheck): URL {
  const fail = (why: string): never => {
    throw new UpstreamError('UPSTREAM_ERROR', `${operation}: unusable download URL: ${why}.`, {
      status: res.status,
      operation,
    });
  };
  const location = headerValue(res.headers.location);
  let bodyUrl: string | undefined;
  if (res.text.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      // A redirect's body is often an HTML note; only a JSON body is a second statement of the URL.
    }
    const parsed = bodySchema.safeParse(json);
    if (parsed.success) bodyUrl = parsed.data.download_url;
  }
  const raw = location ?? bodyUrl;
  if (raw === undefined) return fail('the answer holds neither a Location header nor a download_url');

  const url = parseAbsolute(raw) ?? fail('not an absolute URL');
  if (location !== undefined && bodyUrl !== undefined) {
    const other = parseAbsolute(bodyUrl) ?? fail('download_url is not an absolute URL');
    if (other.href !== url.href) fail('the Location header and download_url disagree');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`protocol ${url.protocol} is not http: or https:`);
  // Credentials in a URL end up in browser histories, logs and Referer headers.
  if (url.username !== '' || url.password !== '') fail('it holds credentials');
  if (url.protocol === 'http:' && url.hostname !== upstream.hostname && !isLoopback(url.hostname)) {
    fail('plain http is allowed only for the upstream host or loopback');
  }
  return url;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

/** Only absolute URLs: a relative one would be resolved against whatever page shows it. */
function parseAbsolute(raw: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(raw)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
