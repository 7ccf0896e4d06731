/**
 * A brief cache of the base-model catalogue, per caller (see caller-cache.ts for why that is safe):
 * the catalogue rarely changes, and a page of jobs with `baseModel { name }` would otherwise cost a
 * `GET /base-models` each time. Each provider has one of its own (build-gateway-services.ts).
 */
import type { ProviderBaseModel } from '../providers/fine-tuning-provider.js';
import { CallerCache } from './caller-cache.js';

export class BaseModelCatalogue extends CallerCache<ProviderBaseModel[]> {}
