/**
 * The admin surface, outside `/api/v1` and without auth (the simulator is a test tool):
 * - `GET /__admin/stats` → `{ "GET /jobs/{id}": 12, … }`; `POST /__admin/stats/reset` → 204 (state kept);
 * - `GET /__admin/requests` → the latest requests' route, `x-request-id` and `traceparent` (oldest first);
 * - `GET /__admin/faults` → the faults in force; `POST /__admin/faults` with a FaultOptions JSON
 *   replaces them (`{}` clears) and answers the new set;
 * - `GET /__admin/health` → `{ "status": "ok" }`, for process supervisors.
 */
import type { IncomingMessage } from 'node:http';
import { invalidArgument, notFound } from './api-error.js';
import { faultOptionsSchema, type FaultInjector } from './faults.js';
import { json, noContent, type Reply } from './reply.js';
import { readJsonBody } from './request-body.js';
import type { RequestStats } from './stats.js';

export const ADMIN_PREFIX = '/__admin/';

export async function handleAdmin(
  req: IncomingMessage,
  pathname: string,
  stats: RequestStats,
  faults: FaultInjector,
): Promise<Reply> {
  const route = `${req.method ?? 'GET'} ${pathname.replace(/\/$/, '')}`;
  switch (route) {
    case 'GET /__admin/health':
      return json(200, { status: 'ok' });
    case 'GET /__admin/stats':
      return json(200, stats.snapshot());
    case 'GET /__admin/requests':
      return json(200, stats.recent());
    case 'POST /__admin/stats/reset':
      stats.reset();
      return noContent();
    case 'GET /__admin/faults':
      return json(200, faults.get());
    case 'POST /__admin/faults': {
      const parsed = faultOptionsSchema.safeParse(await readJsonBody(req));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidArgument(`faults.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
      }
      faults.set(parsed.data);
      return json(200, faults.get());
    }
    default:
      throw notFound(`no admin route ${route}`);
  }
}
