/**
 * Base models: Together's model list (`GET /models`), kept to the ones with fine-tuning limits
 * (`GET /fine-tunes/models/limits`; a model without is not fine-tunable: 404), each with its limits.
 * One limits call per model, a few at a time: Together offers no list of limits.
 */
import { isUpstreamError } from '../errors.js';
import type { JsonCall } from '../json-call.js';
import { parseResponse } from '../parse-response.js';
import type { BearerCredentials, CallOptions } from '../types.js';
import type { TogetherBaseModel, TogetherClient } from './together-client-types.js';
import { modelLimitsSchema, modelListSchema, type WireModel } from './wire-files.js';

/** Limits calls in flight at once while listing. */
const LIMITS_CONCURRENCY = 4;

export function modelEndpoints(json: JsonCall): Pick<TogetherClient, 'listBaseModels' | 'getModelLimits'> {
  const getModelLimits: TogetherClient['getModelLimits'] = (creds, model, opts) =>
    json(
      creds,
      {
        method: 'GET',
        route: '/fine-tunes/models/limits',
        path: '/fine-tunes/models/limits',
        query: new URLSearchParams({ model_name: model }),
        retry: true,
      },
      opts,
      (r, op) => parseResponse(modelLimitsSchema, r, op),
    );

  const withLimits = async (
    creds: BearerCredentials,
    m: WireModel,
    opts: CallOptions | undefined,
  ): Promise<TogetherBaseModel | null> => {
    let limits;
    try {
      limits = await getModelLimits(creds, m.id, opts);
    } catch (error) {
      if (isUpstreamError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
    const sizes = Array.from({ length: limits.lora.max - limits.lora.min + 1 }, (_, i) => limits.lora.min + i);
    return {
      id: m.id,
      organization: m.organization ?? null,
      name: m.display_name ?? m.id,
      contextLength: m.context_length ?? null,
      supportedBatchSizes: sizes,
      trainingPrecision: null,
      pricePerMillionTokens: m.pricing?.finetune ?? null,
      limits,
    };
  };

  return {
    getModelLimits,
    listBaseModels: async (creds, opts) => {
      const ex = { method: 'GET' as const, route: '/models', path: '/models', retry: true };
      const models = await json(creds, ex, opts, (r, op) => parseResponse(modelListSchema, r, op));
      const found: Array<TogetherBaseModel | null> = new Array<TogetherBaseModel | null>(models.length).fill(null);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < models.length; i = next++) found[i] = await withLimits(creds, models[i]!, opts);
      };
      await Promise.all(Array.from({ length: Math.min(LIMITS_CONCURRENCY, models.length) }, worker));
      return found.filter((m): m is TogetherBaseModel => m !== null);
    },
  };
}
