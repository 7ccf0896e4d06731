/**
 * The two reference servers of the throughput benchmark, each a bare node:http server on `PORT`:
 *
 * - `ceiling`: answers every POST with the bytes of `BENCH_BODY` (the flat query's answer), no
 *   upstream, no parsing: the most a process on this core can serve at all;
 * - `passthrough`: for every POST, fetches the page of jobs from `NSCALE_API_URL` with undici
 *   (the caller's Authorization passed on), keeps the fields the flat query reads and returns the
 *   same bytes the gateway should. No GraphQL: the baseline the gateway is compared with.
 * - `fleet`: the pass-through of the fleet benchmark (fleet.ts). It reads the request's
 *   `operationName` and `variables.id` (no GraphQL parsing) and makes the REST calls a dashboard
 *   would: the list page for `JobsList`; the job and its metrics, together, for `JobDetail`; then
 *   returns the bytes the gateway should (fleet-page.ts).
 * - `fleet-kept`: `fleet`, each answer kept for ever by (Authorization, X-Organization-Id, body) and
 *   served again from a `Map`: the least a hit of a response cache can cost on this core (no caller
 *   check, no log line, no metrics, no expiry; its answers go stale, so the fleet's staleness check
 *   fails them). An instrument for the gateway's hit path, run in the place of a gateway
 *   (`--gateway-command`, bench/RESULTS.md), not a scenario of its own.
 *
 * `GET /healthz` answers 200 in both, for the harness's readiness poll.
 */
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { fleetDetailBody, fleetListBody, LIST_PATH } from './fleet-page.js';
import { flatPageBody, PAGE_PATH } from './flat-page.js';

const mode = process.env['BENCH_MODE'];
const port = Number(process.env['PORT'] ?? 0);
const headers = { 'content-type': 'application/json; charset=utf-8' };

let handle: (authorization: string, organizationId: string, body: string) => Promise<Buffer>;
if (mode === 'ceiling') {
  const body = Buffer.from(process.env['BENCH_BODY'] ?? '{}');
  handle = () => Promise.resolve(body);
} else if (mode === 'passthrough') {
  const base = process.env['NSCALE_API_URL'] ?? '';
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 60_000 });
  handle = async (authorization, organizationId) => {
    const answer = await request(`${base}/organizations/${encodeURIComponent(organizationId)}${PAGE_PATH}`, {
      dispatcher,
      headers: { authorization, accept: 'application/json' },
    });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`upstream answered ${answer.statusCode}`);
    return Buffer.from(flatPageBody(text));
  };
} else if (mode === 'fleet' || mode === 'fleet-kept') {
  const base = process.env['NSCALE_API_URL'] ?? '';
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 60_000 });
  const get = async (authorization: string, organizationId: string, path: string): Promise<string> => {
    const answer = await request(`${base}/organizations/${encodeURIComponent(organizationId)}${path}`, {
      dispatcher,
      headers: { authorization, accept: 'application/json' },
    });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`upstream answered ${answer.statusCode} for ${path}`);
    return text;
  };
  const pass = async (authorization: string, organizationId: string, body: string): Promise<Buffer> => {
    const { operationName, variables } = JSON.parse(body) as { operationName?: string; variables?: { id?: string } };
    if (operationName === 'JobsList')
      return Buffer.from(fleetListBody(await get(authorization, organizationId, LIST_PATH)));
    if (operationName !== 'JobDetail') throw new Error(`unknown operation ${JSON.stringify(operationName)}`);
    const path = `/jobs/${encodeURIComponent(variables?.id ?? '')}`;
    const [job, metrics] = await Promise.all([
      get(authorization, organizationId, path),
      get(authorization, organizationId, `${path}/metrics`),
    ]);
    return Buffer.from(fleetDetailBody(job, metrics));
  };
  const kept = new Map<string, Buffer>();
  handle =
    mode === 'fleet'
      ? pass
      : async (authorization, organizationId, body) => {
          const key = `${authorization}\n${organizationId}\n${body}`;
          let answer = kept.get(key);
          if (!answer) kept.set(key, (answer = await pass(authorization, organizationId, body)));
          return answer;
        };
} else {
  throw new Error(`BENCH_MODE must be ceiling, passthrough, fleet or fleet-kept, not ${JSON.stringify(mode)}`);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, headers).end('{"status":"ok"}');
    return;
  }
  // The request body (the GraphQL document) is read in full, as any server must; only the fleet modes parse it.
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => {
    if (mode?.startsWith('fleet')) chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    handle(String(req.headers.authorization ?? ''), String(req.headers['x-organization-id'] ?? ''), body).then(
      (body) => res.writeHead(200, { ...headers, 'content-length': body.length }).end(body),
      (error: unknown) => res.writeHead(502, headers).end(JSON.stringify({ errors: [{ message: String(error) }] })),
    );
  });
});
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
