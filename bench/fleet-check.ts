/**
 * Checks one answer of the fleet benchmark for the client that got it, and reads the statuses in it.
 * The right tenant's data: every job is one of the client's organization's (never another's), the
 * list holds exactly that organization's jobs, and every name carries the label of the client's own
 * token (the upstream labels names per token: an answer made for another token of the same
 * organization shows here). Every status must be one the job has in the schedule; when it was read is
 * judged afterwards (fleet-staleness.ts), against when the upstream moved it.
 */
import type { FleetJob, Tenant } from './fleet-upstream.js';

export interface Expectation {
  jobs: readonly FleetJob[];
  /** Job id → index in `jobs`. */
  index: ReadonlyMap<string, number>;
  /** Organization → its jobs' indexes. */
  byOrganization: ReadonlyMap<string, readonly number[]>;
}

/** A job's status as read: the job's index in the schedule and the index of the state shown. */
export interface StatusRead {
  job: number;
  state: number;
}

export type Checked = { problem: string } | { reads: StatusRead[] };

export function expectationOf(jobs: readonly FleetJob[]): Expectation {
  const byOrganization = new Map<string, number[]>();
  jobs.forEach((job, i) =>
    byOrganization.set(job.organizationId, [...(byOrganization.get(job.organizationId) ?? []), i]),
  );
  return { jobs, index: new Map(jobs.map((job, i) => [job.id, i])), byOrganization };
}

interface Node {
  id?: unknown;
  name?: unknown;
  status?: unknown;
  baseModel?: { name?: unknown } | null;
  createdAt?: unknown;
  metrics?: { points?: unknown; trainingSteps?: unknown } | null;
}

/** The job a node shows, checked for this tenant, or a problem. */
function readNode(node: Node | undefined, tenant: Tenant, x: Expectation): StatusRead | string {
  const i = typeof node?.id === 'string' ? x.index.get(node.id) : undefined;
  if (node === undefined || i === undefined)
    return `a job the upstream does not have: ${JSON.stringify(node).slice(0, 200)}`;
  const job = x.jobs[i]!;
  if (job.organizationId !== tenant.organizationId)
    return `${tenant.label} of ${tenant.organizationId} was shown ${job.organizationId}'s job ${job.id}`;
  if (node.name !== `${job.name} @${tenant.label}`)
    return `${tenant.label} was shown ${JSON.stringify(node.name)} for ${job.name}: an answer made for another token`;
  const state = job.states.indexOf(String(node.status));
  if (state < 0)
    return `${job.name} shown ${JSON.stringify(node.status)}, a status it never has (${job.states.join(', ')})`;
  if (typeof node.baseModel?.name !== 'string' || typeof node.createdAt !== 'string')
    return `${job.name} lacks baseModel.name or createdAt: ${JSON.stringify(node).slice(0, 200)}`;
  return { job: i, state };
}

function parse(body: string): { data?: Record<string, unknown> | null; errors?: unknown } | string {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: unknown };
    return parsed.errors === undefined ? parsed : `errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

/** An answer to LIST_QUERY: exactly the organization's jobs, each checked. */
export function checkList(body: string, tenant: Tenant, x: Expectation): Checked {
  const parsed = parse(body);
  if (typeof parsed === 'string') return { problem: parsed };
  const jobs = parsed.data?.['jobs'] as { totalCount?: unknown; edges?: Array<{ node?: Node }> } | undefined;
  const own = x.byOrganization.get(tenant.organizationId) ?? [];
  if (jobs?.totalCount !== own.length || jobs.edges?.length !== own.length)
    return { problem: `not a page of the ${own.length} jobs of ${tenant.organizationId}: ${body.slice(0, 200)}` };
  const reads: StatusRead[] = [];
  for (const edge of jobs.edges) {
    const read = readNode(edge.node, tenant, x);
    if (typeof read === 'string') return { problem: read };
    reads.push(read);
  }
  if (new Set(reads.map((r) => r.job)).size !== own.length)
    return { problem: `a job listed twice: ${body.slice(0, 200)}` };
  return { reads };
}

/** An answer to DETAIL_QUERY for the job `watched`: that job, checked, with its metrics. */
export function checkDetail(body: string, tenant: Tenant, watched: number, x: Expectation): Checked {
  const parsed = parse(body);
  if (typeof parsed === 'string') return { problem: parsed };
  const node = parsed.data?.['job'] as Node | undefined;
  const read = readNode(node, tenant, x);
  if (typeof read === 'string') return { problem: read };
  if (read.job !== watched) return { problem: `asked for ${x.jobs[watched]!.id}, answered ${String(node?.id)}` };
  const metrics = node?.metrics;
  if (!Array.isArray(metrics?.points) || !(metrics.trainingSteps === null || typeof metrics.trainingSteps === 'number'))
    return { problem: `${x.jobs[watched]!.name} without its metrics: ${JSON.stringify(metrics).slice(0, 200)}` };
  return { reads: [read] };
}
