/**
 * `GET /models` (the fine-tunable catalogue as `ModelObject`s) and `GET /fine-tunes/models/limits`
 * (one model's limits: batch-size ranges, rank, epochs, sequence lengths). An unknown model name is
 * 404 there, where the model is the resource looked up (ours).
 */
import type { ModelListResponse } from 'together-ai/resources/models/models';
import { json, type Reply } from '../../reply.js';
import type { TogetherContext } from '../context.js';
import { invalidRequest, notFound } from '../errors.js';
import { wireModelLimits } from '../model-limits.js';
import { FINE_TUNE_MODELS, findModel } from '../models.js';
import { pricePerMillionTokens } from '../pricing.js';

export function listModels(): Reply {
  const body = FINE_TUNE_MODELS.map((m) => ({
    id: m.name,
    object: 'model' as const,
    created: m.created,
    type: 'chat' as const,
    display_name: m.displayName,
    organization: m.organization,
    context_length: m.contextLength,
    license: m.license,
    link: `https://huggingface.co/${m.name}`,
    pricing: {
      base: 0,
      hourly: 0,
      input: 0,
      output: 0,
      finetune: pricePerMillionTokens(m, { type: 'Lora', method: 'sft' }),
    },
  })) satisfies ModelListResponse;
  return json(200, body);
}

export function modelLimits(ctx: TogetherContext): Reply {
  const name = ctx.url.searchParams.get('model_name');
  if (name === null || name === '') throw invalidRequest('model_name is required.', 'model_name');
  const model = findModel(name);
  if (model === undefined) throw notFound(`Model ${JSON.stringify(name)} is not available for fine-tuning.`);
  return json(200, wireModelLimits(model));
}
