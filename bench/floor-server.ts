/**
 * The floor of the throughput benchmark: the least a graphql-yoga + Pothos server can be while it
 * answers the flat query from the same upstream. Its own tiny schema (`jobs(first)` → a connection of
 * `id name status createdAt`, the status an enum, the date a DateTime scalar, as the gateway's), one
 * undici call per request, yoga's defaults for everything else; no request ids, metrics, logs, limits,
 * secrets scope, persisted queries or caller reader. Its answers are the gateway's bytes, so
 * floor − pass-through is what yoga's request layer costs, and gateway − floor is what the gateway adds.
 *
 * Started by http.ts as plain JavaScript on `node` (plain-js.ts), with the gateway's NODE_ENV and
 * heap flags; `GET /healthz` is yoga's health check, for the harness's readiness poll.
 */
import { createServer } from 'node:http';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import { Agent, request } from 'undici';

type WireStatus = 'queued' | 'starting' | 'running' | 'completed' | 'failed' | 'cancelled';
interface UpstreamJob {
  id: string;
  name: string;
  status: WireStatus;
  created_at: string;
}
interface UpstreamPage {
  data: UpstreamJob[];
  total: number;
}
interface Context {
  authorization: string;
  organizationId: string;
}

const base = process.env['NSCALE_API_URL'] ?? '';
const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 60_000 });

const builder = new SchemaBuilder<{ Context: Context; Scalars: { DateTime: { Input: Date; Output: Date } } }>({});

builder.scalarType('DateTime', {
  serialize: (date) => date.toISOString(),
  parseValue: (value) => new Date(String(value)),
});

const JobStatus = builder.enumType('JobStatus', {
  values: {
    QUEUED: { value: 'queued' },
    STARTING: { value: 'starting' },
    RUNNING: { value: 'running' },
    COMPLETED: { value: 'completed' },
    FAILED: { value: 'failed' },
    CANCELLED: { value: 'cancelled' },
  },
});

const Job = builder.objectRef<UpstreamJob>('Job').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    status: t.field({ type: JobStatus, resolve: (job) => job.status }),
    createdAt: t.field({ type: 'DateTime', resolve: (job) => new Date(job.created_at) }),
  }),
});

const JobEdge = builder.objectRef<UpstreamJob>('JobEdge').implement({
  fields: (t) => ({ node: t.field({ type: Job, resolve: (job) => job }) }),
});

const JobConnection = builder.objectRef<UpstreamPage>('JobConnection').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('total'),
    edges: t.field({ type: [JobEdge], resolve: (page) => page.data }),
  }),
});

builder.queryType({
  fields: (t) => ({
    jobs: t.field({
      type: JobConnection,
      args: { first: t.arg.int({ required: true }) },
      resolve: async (_root, { first }, ctx) => {
        const answer = await request(
          `${base}/organizations/${encodeURIComponent(ctx.organizationId)}/jobs?limit=${first}&offset=0`,
          { dispatcher, headers: { authorization: ctx.authorization, accept: 'application/json' } },
        );
        const text = await answer.body.text();
        if (answer.statusCode !== 200) throw new Error(`upstream answered ${answer.statusCode}`);
        return JSON.parse(text) as UpstreamPage;
      },
    }),
  }),
});

const yoga = createYoga({
  schema: builder.toSchema(),
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/healthz',
  landingPage: false,
  graphiql: false,
  logging: false,
  context: ({ request: req }) => ({
    authorization: req.headers.get('authorization') ?? '',
    organizationId: req.headers.get('x-organization-id') ?? '',
  }),
});

const server = createServer(yoga);
server.keepAliveTimeout = 120_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
