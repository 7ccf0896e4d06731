/**
 * `GET /finetune/download?ft_id=…&checkpoint=adapter|merged|model_output_path&checkpoint_step=N`: the
 * archive itself (binary, as the SDK's `content` reads it). A LoRA job offers its adapter and the
 * merged model, a Full job its model; `checkpoint_step` picks a saved intermediate checkpoint (its
 * final step, 0 or none: the final model, once the job completed).
 * `GET /fine-tunes/{id}/download-tokenized-dataset`: a short-lived link to the job's tokenized
 * training rows (`train.jsonl` of `input_ids` and `labels`, in a `.tar.gz`), once training began.
 */
import type { FineTuneTokenizedDatasetRetrieveResponse } from 'together-ai/resources/fine-tuning';
import { formatTimestamp } from '../../timestamps.js';
import { json, type Reply } from '../../reply.js';
import { packTarGz } from '../../tar-gz.js';
import type { TogetherContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { checkpointsAt, type Checkpoint } from '../job-checkpoints.js';
import { jobStateAt } from '../job-lifecycle.js';
import { LINK_PATH_PREFIX } from '../links.js';
import { adapterArchive, modelArchive } from '../model-archives.js';
import type { StoredJob } from '../store.js';
import { loadPieceEncoder } from '../token-pieces.js';
import { outputName } from '../wire-job.js';
import { findJob } from './fine-tunes.js';
import { previewRow } from './preview.js';

function pickCheckpoint(job: StoredJob, stepParam: string | null, now: number): Checkpoint {
  const step = stepParam === null || stepParam === '' ? 0 : Number(stepParam);
  if (!Number.isInteger(step) || step < 0)
    throw invalidRequest(
      `checkpoint_step must be a non-negative integer; got ${JSON.stringify(stepParam)}.`,
      'checkpoint_step',
    );
  const saved = checkpointsAt(job, now);
  const final = saved.find((c) => c.final);
  if (step === 0 || step === final?.step) {
    if (final === undefined)
      throw invalidRequest(
        `Fine-tune job ${job.id} is ${jobStateAt(job, now).status}: its final model is available once it has completed.`,
        'ft_id',
      );
    return final;
  }
  const checkpoint = saved.find((c) => c.step === step);
  if (checkpoint === undefined)
    throw invalidRequest(
      `Fine-tune job ${job.id} has no checkpoint at step ${step}: list them with GET /v1/fine-tunes/${job.id}/checkpoints.`,
      'checkpoint_step',
    );
  return checkpoint;
}

function artifactOf(job: StoredJob, checkpoint: string | null, stepGiven: boolean): 'adapter' | 'model' {
  const kind = checkpoint ?? (stepGiven ? (job.settings.lora === null ? 'model_output_path' : 'adapter') : null);
  if (kind === null)
    throw invalidRequest(
      'checkpoint is required (merged, adapter or model_output_path) when checkpoint_step is not set.',
      'checkpoint',
    );
  if (kind !== 'adapter' && kind !== 'merged' && kind !== 'model_output_path')
    throw invalidRequest(
      `checkpoint must be merged, adapter or model_output_path; got ${JSON.stringify(kind)}.`,
      'checkpoint',
    );
  if (kind === 'adapter' && job.settings.lora === null)
    throw invalidRequest(
      `Fine-tune job ${job.id} trained the full model: it has no adapter; download checkpoint merged.`,
      'checkpoint',
    );
  return kind === 'adapter' ? 'adapter' : 'model';
}

export async function downloadModel(ctx: TogetherContext): Promise<Reply> {
  const q = ctx.url.searchParams;
  const id = q.get('ft_id');
  if (id === null || id === '') throw invalidRequest('ft_id is required.', 'ft_id');
  const job = findJob(ctx.account, id);
  const stepParam = q.get('checkpoint_step');
  const artifact = artifactOf(job, q.get('checkpoint'), stepParam !== null && stepParam !== '' && stepParam !== '0');
  const checkpoint = pickCheckpoint(job, stepParam, ctx.now);
  const build = artifact === 'adapter' ? adapterArchive : modelArchive;
  const body = await build(job, checkpoint.step, new Date(checkpoint.at));
  const name = `${outputName(job).replace(/[^\w.-]+/g, '_')}-step-${checkpoint.step}-${artifact}.tar.gz`;
  return {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` },
    body,
  };
}

async function tokenizedArchive(job: StoredJob): Promise<Buffer> {
  const encode = await loadPieceEncoder(job.settings.model);
  const check = job.settings.trainingFile.check;
  const lines: string[] = [];
  for (const sample of check?.ok === true ? check.samples : []) {
    const row = await previewRow(sample, encode, false, job.settings.maxSeqLength);
    lines.push(JSON.stringify({ input_ids: row.input_ids, labels: row.labels }));
  }
  return packTarGz([['train.jsonl', Buffer.from(`${lines.join('\n')}\n`)]], new Date(job.createdAt));
}

export async function tokenizedDataset(ctx: TogetherContext): Promise<Reply> {
  const job = findJob(ctx.account, ctx.params['id'] ?? '');
  const state = jobStateAt(job, ctx.now);
  if (state.startedAt === null)
    throw invalidRequest(`Fine-tune job ${job.id} is ${state.status}: its dataset is tokenized once training starts.`);
  const content = await tokenizedArchive(job);
  const filename = `${job.id}-tokenized-dataset.tar.gz`;
  const { token, expiresAt } = ctx.deps.downloads.issue(
    { filename, contentType: 'application/gzip', content },
    ctx.now,
  );
  const body = {
    url: `${ctx.deps.origin()}${LINK_PATH_PREFIX}${token}`,
    filename,
    content_type: 'application/gzip',
    size: content.length,
    expires_at: formatTimestamp(expiresAt),
  } satisfies FineTuneTokenizedDatasetRetrieveResponse;
  return json(200, body);
}
