/**
 * How long the gateway's response cache (src/server/response-cache/) may answer a caller's repeated
 * query without asking the upstream again: the one table of times-to-live, by the types and fields a
 * response holds. A response lives as long as the shortest-lived thing in it; a response holding
 * nothing listed here is not cached at all (the default is 0: caching is opted into per type).
 *
 * Why each figure (the poll intervals named are the gateway's own, `POLL_INTERVAL_*_MS`: the policy is
 * built from them, `responseTtlPolicy`, so an operator who changes how often the live updates poll
 * changes how long the cache keeps what those polls would have told):
 * - `ProviderInfo` (`providers`): fixed for a deployment's life. (Asked alone it is never stored: an
 *   answer is stored only when the upstream accepted its caller during its operation, and this one
 *   asks the upstream nothing: server/response-cache/use-response-cache.ts.)
 * - `BaseModel`: the upstream's catalogue changes with a release, not between two dashboard refreshes.
 * - `Dataset`, `File`: immutable once made; a list changes when one is created or deleted. The caller's
 *   own `createDataset`/`deleteDataset`/`uploadFile` evict its organization's answers at once, so this
 *   is how late another caller of the organization sees such a change.
 * - `JobConnection` (a page of `jobs`): a job another caller creates shows within a list poll interval.
 * - `Job`: by its status (`JOB_TTL_MS`, below): queued or starting, a queued poll interval; running
 *   (metrics grow, `estimatedSecondsLeft` counts down), a list poll interval: a dashboard that polls
 *   sees a job's new status no later than one subscribed to `jobsUpdated` does (the list's pace), and
 *   its loss curve at most that much behind (`jobUpdated` pushes it every running poll interval, 2 s).
 *   A running poll interval instead asked the upstream twice as often for a fleet of dashboards
 *   (bench/RESULTS.md, issue 22). Once terminal a job no longer changes, so long. A job a live-update
 *   poller watches is evicted the moment its poller sees it change, whatever is left of this.
 * - `Job.downloadUrl`: the link is short-lived (the simulator's live 300 s, real ones are pre-signed
 *   for minutes): a cached answer hands out a link with most of its life left. Together's links are
 *   the gateway's own (DOWNLOAD_LINK_TTL_SECONDS): an answer holding one is kept only while the link
 *   has more than half its life left (`noteValidUntil`, job-provider-fields.ts), however short it is set.
 *   `JobCheckpoint.downloadUrl` likewise.
 * - Never cached: `costEstimate` (a dry run whose `allowedToProceed` follows the balance) and
 *   `analyzeDataset` (its answer is about files the request uploads), introspection.
 *
 * Errors are never cached, nor a response with any error in it (an upstream failure surfaces as one;
 * only a NOT_FOUND that the schema answers as null, such as a deleted dataset, is data).
 *
 * Nor is a response holding any type that is neither listed here nor a part of one listed (reached
 * through its fields: a job's metrics, a file's columns), nor one selecting a field that returns such
 * a type, even as an empty list: `cacheRules` gives the cache both (a webhook delivery, whose state a
 * worker changes behind the gateway's back; a cost estimate). A type added to the schema is never
 * cached until it is listed here.
 */
import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import { DEFAULT_INTERVALS, type Intervals } from '../live/options.js';
import type { JobStatusWire } from '../contract/hyperparameters.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

export interface ResponseTtlPolicy {
  /** By type (`BaseModel`) or field (`Query.costEstimate`): the plugin's `ttlPerSchemaCoordinate`, in ms. */
  coordinates: Readonly<Record<string, number>>;
  /** A job's time-to-live by its status, in ms (at most `coordinates.Job`). */
  jobs: Readonly<Record<JobStatusWire, number>>;
}

const TERMINAL_JOB_MS = 10 * MINUTE;

/** The poll intervals the times-to-live follow (the live updates' `POLL_INTERVAL_QUEUED_MS` and `_LIST_MS`). */
export type PolicyIntervals = Pick<Intervals, 'queuedMs' | 'listMs'>;

/** The cache's times-to-live for a gateway whose live updates poll at `intervals`. */
export function responseTtlPolicy(intervals: PolicyIntervals): ResponseTtlPolicy {
  // However slowly the gateway polls, nothing about jobs is kept longer than a finished job is.
  const queued = Math.min(intervals.queuedMs, TERMINAL_JOB_MS);
  const list = Math.min(intervals.listMs, TERMINAL_JOB_MS);
  const jobs: Record<JobStatusWire, number> = {
    queued,
    starting: queued,
    running: list,
    completed: TERMINAL_JOB_MS,
    failed: TERMINAL_JOB_MS,
    cancelled: TERMINAL_JOB_MS,
  };
  return {
    coordinates: {
      ProviderInfo: 10 * MINUTE,
      BaseModel: 5 * MINUTE,
      Dataset: MINUTE,
      File: MINUTE,
      JobConnection: list,
      Job: TERMINAL_JOB_MS,
      'Job.downloadUrl': MINUTE,
      'JobCheckpoint.downloadUrl': MINUTE,
      'Query.costEstimate': 0,
      'Query.analyzeDataset': 0,
      'Query.__schema': 0,
      'Query.__type': 0,
    },
    jobs,
  };
}

/** The policy at the default poll intervals (src/live/options.ts). */
export const RESPONSE_TTL_POLICY: ResponseTtlPolicy = responseTtlPolicy(DEFAULT_INTERVALS);
export const JOB_TTL_MS: Readonly<Record<JobStatusWire, number>> = RESPONSE_TTL_POLICY.jobs;

/** The jobs each operation's answer holds, by its context: their statuses and their ids. */
const heldJobs = new WeakMap<object, { statuses: Set<JobStatusWire>; ids: Set<string> }>();

/**
 * Notes that the answer being built for `context` holds the job `id`, in `status`. Called from `Job`'s
 * `isTypeOf`, which graphql-js asks of every job an answer holds, whatever is selected of it.
 */
export function noteJob(context: object, id: string, status: JobStatusWire): void {
  const held = heldJobs.get(context);
  if (!held) heldJobs.set(context, { statuses: new Set([status]), ids: new Set([id]) });
  else {
    held.statuses.add(status);
    held.ids.add(id);
  }
}

const NO_JOBS: ReadonlySet<string> = new Set();

/** The ids of the jobs the answer being built for `context` holds (what evicts it when one changes). */
export function jobsHeld(context: object): ReadonlySet<string> {
  return heldJobs.get(context)?.ids ?? NO_JOBS;
}

/** Until when, on the gateway's clock, the answer being built for each context may be kept (data it reused). */
const validUntil = new WeakMap<object, number>();

/**
 * Notes that the answer being built for `context` holds data that may be shown until `until` and no
 * later: a job its caller's list page read a moment before (server/response-cache/listed-jobs.ts).
 */
export function noteValidUntil(context: object, until: number): void {
  const known = validUntil.get(context);
  if (known === undefined || until < known) validUntil.set(context, until);
}

/**
 * `ttl` (what the types and fields of the answer allow), shortened to the shortest-lived job status in
 * it, and to what is left at `now` of any data it reused.
 */
export function responseTtl(context: object, ttl: number, policy: ResponseTtlPolicy, now: number): number {
  let shortest = ttl;
  const statuses = heldJobs.get(context)?.statuses;
  if (statuses) for (const status of statuses) shortest = Math.min(shortest, policy.jobs[status]);
  const until = validUntil.get(context);
  if (until !== undefined) shortest = Math.min(shortest, Math.max(0, until - now));
  return shortest;
}

/**
 * The object types an answer must not hold to be cached: all but the roots, the types listed in
 * `policy` with a time-to-live above 0, and the types reached from those through their fields.
 */
export function uncacheableTypes(schema: GraphQLSchema, policy: ResponseTtlPolicy): string[] {
  const allowed = new Set<string>(['Query']);
  const visit = (name: string) => {
    const type = schema.getType(name);
    if (!isObjectType(type) || allowed.has(name)) return;
    allowed.add(name);
    for (const field of Object.values(type.getFields())) visit(getNamedType(field.type).name);
  };
  for (const [coordinate, ttl] of Object.entries(policy.coordinates))
    if (!coordinate.includes('.') && ttl > 0) visit(coordinate);
  // The other roots are never in a cached answer; a mutation's must stay out of this list, or the plugin
  // would not collect the entities a mutation's answer holds (to evict them).
  for (const root of [schema.getMutationType(), schema.getSubscriptionType()]) if (root) allowed.add(root.name);
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !type.name.startsWith('__') && !allowed.has(type.name))
    .map((type) => type.name);
}

/**
 * The cache's rules from `policy` over `schema`: the times-to-live by coordinate, with every field that
 * returns an uncacheable type at 0 (an empty list of them holds no such object, yet its answer would
 * change behind the gateway's back), and the uncacheable types themselves.
 */
export function cacheRules(
  schema: GraphQLSchema,
  policy: ResponseTtlPolicy,
): { ttlPerSchemaCoordinate: Record<string, number>; ignoredTypes: string[] } {
  const ignoredTypes = uncacheableTypes(schema, policy);
  const ignored = new Set(ignoredTypes);
  const never: Record<string, number> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()))
      if (ignored.has(getNamedType(field.type).name)) never[`${type.name}.${field.name}`] = 0;
  }
  return { ttlPerSchemaCoordinate: { ...policy.coordinates, ...never }, ignoredTypes };
}
