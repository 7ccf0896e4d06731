/**
 * The request pipeline. For an API route: count it, apply faults, authenticate, authorize the
 * organization in the path, run the handler, answer. Faulted requests are counted: they reached the
 * server, and a client's retries should show in the counts. Requests to no route are not counted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, handleAdmin } from './admin.js';
import type { SimulatorDeps } from './api-context.js';
import { ApiError } from './api-error.js';
import type { Authenticator } from './auth.js';
import { serveDownload } from './download-route.js';
import { DOWNLOAD_PATH_PREFIX } from './downloads.js';
import type { FaultAction, FaultInjector } from './faults.js';
import { routedListener, type Routed } from './http-server.js';
import { errorReply, type Reply } from './reply.js';
import { matchRoute } from './routes.js';
import type { RequestStats } from './stats.js';

export interface PipelineParts {
  deps: SimulatorDeps;
  stats: RequestStats;
  faults: FaultInjector;
  auth: Authenticator;
}

function faultReply(action: Exclude<FaultAction, { kind: 'drop' }>): Reply {
  if (action.kind === 'rateLimit') {
    return errorReply(
      new ApiError('resource_exhausted', 'rate limit exceeded; retry later (simulated)', {
        status: 429,
        headers: { 'retry-after': String(action.retryAfterSeconds) },
      }),
    );
  }
  return action.status === 500
    ? errorReply(new ApiError('internal', 'internal error (simulated)'))
    : errorReply(new ApiError('unavailable', 'the service is temporarily unavailable (simulated)'));
}

type Outcome = Routed['outcome'];

async function handleApi(
  req: IncomingMessage,
  url: URL,
  parts: PipelineParts,
): Promise<{ outcome: Outcome; route: string }> {
  const method = req.method ?? 'GET';
  const match = matchRoute(method, url.pathname);
  if (match === undefined) {
    return { outcome: errorReply(new ApiError('not_found', `no route ${method} ${url.pathname}`)), route: 'unknown' };
  }
  parts.stats.record(match.key, req.headers);
  const fault = parts.faults.decide(method, match.template);
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.before !== undefined)
    return { outcome: fault.before.kind === 'drop' ? 'drop' : faultReply(fault.before), route: match.key };

  let reply: Reply;
  try {
    const now = parts.deps.options.now();
    const organizationId = await parts.auth.authenticate(req.headers.authorization, now);
    if (organizationId !== match.organizationId) {
      throw new ApiError(
        'permission_denied',
        `this token is not authorized for organization ${JSON.stringify(match.organizationId)}`,
      );
    }
    const org = parts.deps.store.org(organizationId);
    reply = await match.handler({ req, url, params: match.params, org, deps: parts.deps, now });
  } catch (error) {
    reply = toErrorReply(error, parts);
  }
  if (fault.after !== undefined)
    return { outcome: fault.after.kind === 'drop' ? 'drop' : faultReply(fault.after), route: match.key };
  return { outcome: reply, route: match.key };
}

function toErrorReply(error: unknown, parts: PipelineParts): Reply {
  if (error instanceof ApiError) return errorReply(error);
  parts.deps.options.logger.error({ err: error }, 'simulator handler failed');
  return errorReply(new ApiError('internal', 'internal error'));
}

async function route(req: IncomingMessage, parts: PipelineParts): Promise<{ outcome: Outcome; route: string }> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const now = parts.deps.options.now();
  try {
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      return { outcome: await handleAdmin(req, url.pathname, parts.stats, parts.faults), route: 'admin' };
    }
    if (url.pathname.startsWith(DOWNLOAD_PATH_PREFIX) && req.method === 'GET') {
      const token = url.pathname.slice(DOWNLOAD_PATH_PREFIX.length);
      return { outcome: await serveDownload(token, parts.deps.downloads, now), route: 'download' };
    }
    return await handleApi(req, url, parts);
  } catch (error) {
    return { outcome: toErrorReply(error, parts), route: 'error' };
  }
}

export function createRequestListener(parts: PipelineParts): (req: IncomingMessage, res: ServerResponse) => void {
  return routedListener((req) => route(req, parts), parts.deps.options.logger);
}
