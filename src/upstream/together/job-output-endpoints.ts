/**
 * What a fine-tune has besides itself: metrics, events, checkpoints (all reads, retried), and the
 * URL of its weights.
 *
 * The download: Together serves the archive itself at `GET /finetune/download` (binary, to the
 * holder of the account's key; the simulator does the same). There is no redirect to read, so the
 * URL is built on the configured origin: it carries no key (the user brings theirs, or the gateway
 * proxies it later), and no request ever takes the key to another host. It is built only after
 * the job was read with the caller's key (another account's job is NOT_FOUND), has completed, has
 * the artifact asked for, and, for a step, a checkpoint there; nothing is downloaded to check.
 */
import { UpstreamError } from '../errors.js';
import type { JsonCall } from '../json-call.js';
import type { ResolvedOptions } from '../options.js';
import { parseResponse } from '../parse-response.js';
import { segment } from '../path.js';
import type { TogetherClient } from './together-client-types.js';
import { checkpointListSchema, eventListSchema, metricsSchema } from './wire-job-reads.js';

type OutputEndpoints = Pick<TogetherClient, 'getMetrics' | 'listEvents' | 'listCheckpoints' | 'getDownloadUrl'>;

const jobPath = (id: string): string => `/fine-tunes/${segment('job', id)}`;

const refuse = (field: string, message: string): UpstreamError =>
  new UpstreamError('BAD_USER_INPUT', message, { field });

export function jobOutputEndpoints(
  json: JsonCall,
  o: ResolvedOptions,
  getJob: TogetherClient['getJob'],
): OutputEndpoints {
  const listCheckpoints: TogetherClient['listCheckpoints'] = (creds, id, opts) =>
    json(
      creds,
      { method: 'GET', route: '/fine-tunes/{id}/checkpoints', path: `${jobPath(id)}/checkpoints`, retry: true },
      opts,
      (r, op) => parseResponse(checkpointListSchema, r, op),
    );

  return {
    getMetrics: (creds, id, opts) => {
      const query = new URLSearchParams();
      if (opts?.fromStep !== undefined) query.set('global_step_from', String(opts.fromStep));
      if (opts?.toStep !== undefined) query.set('global_step_to', String(opts.toStep));
      if (opts?.resolution !== undefined) query.set('resolution', String(opts.resolution));
      const path = `${jobPath(id)}/metrics`;
      return json(
        creds,
        { method: 'GET', route: '/fine-tunes/{id}/metrics', path, query, retry: true },
        opts,
        // The totals are the job's: named here, added by whoever holds the job (`withJobTotals`).
        (r, op) => ({ ...parseResponse(metricsSchema, r, op), totalsFromJob: id }),
      );
    },

    listEvents: (creds, id, opts) =>
      json(
        creds,
        { method: 'GET', route: '/fine-tunes/{id}/events', path: `${jobPath(id)}/events`, retry: true },
        opts,
        (r, op) => parseResponse(eventListSchema, r, op),
      ),

    listCheckpoints,

    getDownloadUrl: async (creds, id, opts) => {
      const job = await getJob(creds, id, opts);
      if (job.upstreamStatus !== 'completed' && opts.step === undefined)
        throw new UpstreamError(
          'CONFLICT',
          `Job ${JSON.stringify(id)} is ${job.upstreamStatus}: its final weights can be downloaded once it has completed.`,
        );
      if (opts.artifact === 'adapter' && job.hyperparameters.trainingType === 'full')
        throw refuse(
          'artifact',
          `Job ${JSON.stringify(id)} trained the full model: it has no adapter; ask for merged.`,
        );
      if (opts.step !== undefined) {
        const saved = await listCheckpoints(creds, id, opts);
        if (!saved.some((c) => c.step === opts.step))
          throw refuse(
            'step',
            `Job ${JSON.stringify(id)} has no checkpoint at step ${opts.step}; ` +
              `saved steps: ${saved.map((c) => c.step).join(', ') || 'none'}.`,
          );
      }
      const url = new URL(`${o.baseUrl.href.replace(/\/$/, '')}/finetune/download`);
      url.searchParams.set('ft_id', job.id);
      url.searchParams.set('checkpoint', opts.artifact);
      if (opts.step !== undefined) url.searchParams.set('checkpoint_step', String(opts.step));
      return url;
    },
  };
}
