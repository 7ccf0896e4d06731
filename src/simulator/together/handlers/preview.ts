/**
 * `POST /fine-tunes/preview`: the first `top_k` rows of a training file tokenized with the model's
 * tokenizer, with their labels (`-100` where a token is not trained on: prompts and user turns,
 * unless `train_on_inputs`) and the trained spans. The rows hold their texts' tokens; the chat
 * template's own tokens are left out of the preview (ours: they are counted in prices, see
 * `sample-tokens.ts`). Only SFT is previewed, as the SDK documents.
 */
import type { FineTunePreviewResponse, FineTunePreviewRow } from 'together-ai/resources/fine-tuning';
import { z } from 'zod';
import { json, type Reply } from '../../reply.js';
import { readJsonBody } from '../../request-body.js';
import type { TogetherContext } from '../context.js';
import { parseBody, resolveDataFile, resolveModel } from '../create-rules.js';
import { invalidRequest } from '../errors.js';
import type { Sample } from '../samples.js';
import { textWithin } from '../sample-tokens.js';
import { loadPieceEncoder, type PieceEncoder } from '../token-pieces.js';

const previewSchema = z.object({
  model: z.string().min(1),
  training_file: z.string().min(1),
  top_k: z.number().int().min(1).max(100).default(5),
  train_on_inputs: z.boolean().default(false),
  training_method: z.literal('sft').default('sft'),
});

/** Spans `[start, end)` of the indices whose label is trained on. */
function spans(labels: readonly number[]): number[][] {
  const out: number[][] = [];
  labels.forEach((label, i) => {
    if (label === -100) return;
    const last = out.at(-1);
    if (last !== undefined && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  });
  return out;
}

export async function previewRow(
  sample: Sample,
  encode: PieceEncoder,
  trainOnInputs: boolean,
  maxSeq: number,
): Promise<FineTunePreviewRow> {
  const ids: number[] = [];
  const tokens: string[] = [];
  const labels: number[] = [];
  let cut = false;
  for (const piece of sample.pieces) {
    if (ids.length >= maxSeq) {
      cut = true;
      break;
    }
    const text = textWithin(piece.text, maxSeq);
    cut ||= text.length < piece.text.length;
    const encoded = await encode(text, piece.trained);
    ids.push(...encoded.ids);
    tokens.push(...encoded.tokens);
    labels.push(...encoded.ids.map((id) => (piece.trained || trainOnInputs ? id : -100)));
  }
  const truncated = cut || ids.length > maxSeq;
  const kept = labels.slice(0, maxSeq);
  return {
    input_ids: ids.slice(0, maxSeq),
    tokens: tokens.slice(0, maxSeq),
    labels: kept,
    num_tokens: Math.min(ids.length, maxSeq),
    num_trained_tokens: kept.filter((l) => l !== -100).length,
    trained_spans: spans(kept),
    truncated,
  };
}

export async function previewFineTune(ctx: TogetherContext): Promise<Reply> {
  const body = parseBody(previewSchema, await readJsonBody(ctx.req));
  const model = resolveModel(body.model);
  const file = resolveDataFile(ctx.account, body.training_file, 'training_file', 'sft');
  const check = file.check;
  if (check?.ok !== true || check.format === null || check.format === 'preference_openai')
    throw invalidRequest('training_file: only SFT data can be previewed.', 'training_file');
  const encode = await loadPieceEncoder(model);
  const rows: FineTunePreviewRow[] = [];
  for (const sample of check.samples.slice(0, body.top_k))
    rows.push(await previewRow(sample, encode, body.train_on_inputs, model.maxSeqLengthSft));
  const preview = {
    dataset_format: check.format,
    max_seq_length: model.maxSeqLengthSft,
    model: model.name,
    rows,
    train_on_inputs: body.train_on_inputs,
  } satisfies FineTunePreviewResponse;
  return json(200, preview);
}
