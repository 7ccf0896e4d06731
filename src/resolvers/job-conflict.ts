/**
 * A job whose status does not allow what was asked of it (cancelling a job that has ended, exporting
 * one that has not completed), answered alike on every provider and by every field that does so
 * (`cancelJob`, `exportJobToHuggingFace`): CONFLICT in the gateway's words, naming the argument in
 * `extensions.field` as NOT_FOUND does (unknown-id.ts), the job's status as the gateway then reads it,
 * and which statuses allow the operation. Each upstream words its refusal its own way (Nscale's 409
 * "job … is already cancelled; …", Together's 400 "Fine-tune job … is completed: …", the clients' own
 * after a lost answer): that sentence is kept, quoted, after the gateway's. The status costs one read
 * of the job (the request's job loader), on a refusal only; when that read fails, the message says so.
 */
import type { JobStatusWire } from '../contract/hyperparameters.js';
import { providerStatusOf, type JobShape } from '../providers/job-shape.js';
import type { ProviderName } from '../providers/provider-name.js';
import { isUpstreamError, UpstreamError } from '../upstream/errors.js';
import type { GatewayContext } from './context.js';

/** What a field asks of a job that its status may forbid. */
type JobOperation = 'cancel' | 'export';

const RULES: Readonly<Record<JobOperation, { allowed: readonly JobStatusWire[]; done: string }>> = {
  cancel: { allowed: ['queued', 'starting', 'running'], done: 'cancelled' },
  export: { allowed: ['completed'], done: 'exported' },
};

const PROVIDER_TITLE: Readonly<Record<ProviderName, string>> = { nscale: 'Nscale', together: 'Together' };

/** The job a refusal is about: its id as the caller gave it, the argument that gave it, and the upstream's id. */
interface JobArgument {
  id: string | number;
  field: string;
  upstreamId: string;
}

/** "QUEUED, STARTING or RUNNING". */
function listed(statuses: readonly JobStatusWire[]): string {
  const names = statuses.map((s) => s.toUpperCase());
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The job's status as read, with the provider's own word when it says more ("RUNNING (Together: cancel_requested)"). */
function statusOf(job: JobShape, provider: string): string {
  const word = providerStatusOf(job);
  const status = job.status.toUpperCase();
  return word === job.status ? status : `${status} (${provider}: ${word})`;
}

/** The CONFLICT's message: the gateway's sentence, then the provider's, quoted. */
function jobConflictMessage(
  provider: ProviderName,
  operation: JobOperation,
  job: { argument: JobArgument; read: JobShape | null },
  said: string,
): string {
  const { allowed, done } = RULES[operation];
  const title = PROVIDER_TITLE[provider];
  const { field, id } = job.argument;
  const status =
    job.read === null
      ? 'in a status that does not allow it (the job could not be read back to say which)'
      : statusOf(job.read, title);
  const rule = `only a ${listed(allowed)} job can be ${done}`;
  return `${field}: job ${JSON.stringify(String(id))} is ${status}; ${rule}. ${title} answered: ${JSON.stringify(said)}`;
}

/** `error` in the gateway's words when it is the upstream's CONFLICT of the job `argument` names; any other error as it is. */
async function asJobConflict(
  ctx: GatewayContext,
  operation: JobOperation,
  argument: JobArgument,
  error: unknown,
): Promise<unknown> {
  if (!isUpstreamError(error) || error.code !== 'CONFLICT') return error;
  // The upstream answered: the request has a provider.
  const provider = ctx.session().provider.api.name;
  const read = await ctx
    .loaders()
    .job.load(argument.upstreamId)
    .catch(() => null);
  return new UpstreamError('CONFLICT', jobConflictMessage(provider, operation, { argument, read }, error.message), {
    status: error.status,
    upstreamCode: error.upstreamCode,
    operation: error.operation,
    field: argument.field,
    cause: error,
  });
}

/** `work` (`operation` on the job `argument` names), its CONFLICT answered in the gateway's words. */
export async function orJobConflict<T>(
  ctx: GatewayContext,
  operation: JobOperation,
  argument: JobArgument,
  work: Promise<T>,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw await asJobConflict(ctx, operation, argument, error);
  }
}
