/**
 * The Together request pipeline, the Nscale simulator's in Together's envelope. For a `/v1` route:
 * count it, apply faults, authenticate, run the handler, answer. Faulted requests are counted (a
 * client's retries should show). Outside `/v1`: the shared admin routes, and the upload and
 * download links (no token, like pre-signed URLs; not counted).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, handleAdmin } from '../admin.js';
import { ApiError } from '../api-error.js';
import type { FaultAction, FaultInjector } from '../faults.js';
import { routedListener, type Routed } from '../http-server.js';
import type { Reply } from '../reply.js';
import type { RequestStats } from '../stats.js';
import type { TogetherAuthenticator } from './auth.js';
import type { TogetherDeps } from './context.js';
import { fromSharedError, notFound, TogetherError, togetherErrorReply } from './errors.js';
import { completeUpload } from './handlers/files.js';
import { LINK_PATH_PREFIX, UPLOAD_PATH_PREFIX } from './links.js';
import { matchTogetherRoute } from './routes.js';

export interface TogetherPipeline {
  deps: TogetherDeps;
  stats: RequestStats;
  faults: FaultInjector;
  authenticate: TogetherAuthenticator;
}

type Outcome = Routed['outcome'];

function faultReply(action: Exclude<FaultAction, { kind: 'drop' }>): Reply {
  if (action.kind === 'rateLimit') {
    const headers = { 'retry-after': String(action.retryAfterSeconds) };
    return togetherErrorReply(
      new TogetherError(429, 'rate_limit', 'Rate limit exceeded (simulated): slow down and retry later.', { headers }),
    );
  }
  return action.status === 500
    ? togetherErrorReply(new TogetherError(500, 'server_error', 'Internal server error (simulated).'))
    : togetherErrorReply(
        new TogetherError(
          503,
          'service_unavailable',
          'The server is overloaded (simulated): retry after a brief wait.',
        ),
      );
}

function toErrorReply(error: unknown, parts: TogetherPipeline): Reply {
  if (error instanceof TogetherError) return togetherErrorReply(error);
  if (error instanceof ApiError) return togetherErrorReply(fromSharedError(error));
  parts.deps.options.logger.error({ err: error }, 'together simulator handler failed');
  return togetherErrorReply(new TogetherError(500, 'server_error', 'Internal server error.'));
}

const withFault = (action: FaultAction): Outcome => (action.kind === 'drop' ? 'drop' : faultReply(action));

async function handleApi(
  req: IncomingMessage,
  url: URL,
  parts: TogetherPipeline,
): Promise<{ outcome: Outcome; route: string }> {
  const method = req.method ?? 'GET';
  const match = matchTogetherRoute(method, url.pathname);
  if (match === undefined)
    return {
      outcome: togetherErrorReply(notFound(`Unknown request URL: ${method} ${url.pathname}.`)),
      route: 'unknown',
    };
  parts.stats.record(match.key, req.headers);
  const fault = parts.faults.decide(method, match.template);
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.before !== undefined) return { outcome: withFault(fault.before), route: match.key };
  let reply: Reply;
  try {
    const account = parts.deps.store.account(parts.authenticate(req.headers.authorization));
    reply = await match.handler({
      req,
      url,
      params: match.params,
      account,
      deps: parts.deps,
      now: parts.deps.options.now(),
    });
  } catch (error) {
    reply = toErrorReply(error, parts);
  }
  return { outcome: fault.after === undefined ? reply : withFault(fault.after), route: match.key };
}

function serveLink(token: string, deps: TogetherDeps, now: number): Reply {
  const link = deps.downloads.lookup(token, now);
  if (link.kind === 'unknown') throw notFound('No such download URL.');
  if (link.kind === 'expired')
    throw new TogetherError(410, 'not_found_error', 'The download URL has expired: ask for a new one.');
  const { filename, contentType, content } = link.value;
  return {
    status: 200,
    headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${filename}"` },
    body: content,
  };
}

async function route(req: IncomingMessage, parts: TogetherPipeline): Promise<{ outcome: Outcome; route: string }> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const now = parts.deps.options.now();
  try {
    if (url.pathname.startsWith(ADMIN_PREFIX))
      return { outcome: await handleAdmin(req, url.pathname, parts.stats, parts.faults), route: 'admin' };
    if (url.pathname.startsWith(UPLOAD_PATH_PREFIX) && req.method === 'PUT') {
      return {
        outcome: await completeUpload(req, url.pathname.slice(UPLOAD_PATH_PREFIX.length), parts.deps, now),
        route: 'upload',
      };
    }
    if (url.pathname.startsWith(LINK_PATH_PREFIX) && req.method === 'GET') {
      return { outcome: serveLink(url.pathname.slice(LINK_PATH_PREFIX.length), parts.deps, now), route: 'download' };
    }
    return await handleApi(req, url, parts);
  } catch (error) {
    return { outcome: toErrorReply(error, parts), route: 'error' };
  }
}

export function createTogetherListener(parts: TogetherPipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return routedListener((req) => route(req, parts), parts.deps.options.logger);
}
