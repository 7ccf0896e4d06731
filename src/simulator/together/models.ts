/**
 * The simulator's catalogue of fine-tunable models: real names from Together's fine-tuning catalogue
 * (Llama, Qwen, Mistral, Gemma and DeepSeek families), with limits of the kind `GET
 * /fine-tunes/models/limits` reports. The numbers are the simulator's data, plausible rather than
 * copied from a live account: a gateway must learn them from the API, never hard-code them.
 */
import type { TokenizerFamily } from '../../contract/tokenizers.js';

export interface BatchRange {
  min: number;
  max: number;
  maxDpo: number;
}

export interface FineTuneModel {
  name: string;
  displayName: string;
  organization: string;
  /** Unix seconds, as `GET /models` reports `created`. */
  created: number;
  contextLength: number;
  /** Billions of parameters: picks the price tier. */
  paramsBillions: number;
  /** The tokenizer the project ships for this family, or null (counted by the character rule). */
  tokenizer: TokenizerFamily | null;
  /** Name of the chat template (src/contract/chat-templates.ts) whose overhead a row pays. */
  template: string | null;
  maxSeqLengthSft: number;
  maxSeqLengthDpo: number;
  lora: BatchRange & { maxRank: number; targetModules: readonly string[] };
  /** Null: LoRA only. */
  full: BatchRange | null;
  supportsTools: boolean;
  supportsReasoning: boolean;
  license: string;
}

const LINEAR = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

type Spec = Pick<
  FineTuneModel,
  'name' | 'displayName' | 'organization' | 'contextLength' | 'paramsBillions' | 'tokenizer' | 'template' | 'license'
> &
  Partial<FineTuneModel>;

function model(spec: Spec): FineTuneModel {
  const small = spec.paramsBillions <= 16;
  return {
    created: 1_721_347_200,
    maxSeqLengthSft: Math.min(spec.contextLength, 32_768),
    maxSeqLengthDpo: Math.min(spec.contextLength, 16_384),
    lora: { min: 8, max: small ? 32 : 16, maxDpo: small ? 16 : 8, maxRank: 64, targetModules: LINEAR },
    full: small ? { min: 8, max: 16, maxDpo: 8 } : null,
    supportsTools: true,
    supportsReasoning: false,
    ...spec,
  };
}

export const FINE_TUNE_MODELS: readonly FineTuneModel[] = [
  model({
    name: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
    displayName: 'Meta Llama 3.1 8B Instruct Reference',
    organization: 'Meta',
    contextLength: 131_072,
    paramsBillions: 8,
    tokenizer: 'llama3',
    template: 'llama3-instruct',
    license: 'llama3.1',
  }),
  model({
    name: 'meta-llama/Llama-3.2-3B-Instruct',
    displayName: 'Meta Llama 3.2 3B Instruct',
    organization: 'Meta',
    contextLength: 131_072,
    paramsBillions: 3,
    tokenizer: 'llama3',
    template: 'llama3-instruct',
    license: 'llama3.2',
  }),
  model({
    name: 'meta-llama/Llama-3.3-70B-Instruct-Reference',
    displayName: 'Meta Llama 3.3 70B Instruct Reference',
    organization: 'Meta',
    contextLength: 131_072,
    paramsBillions: 70,
    tokenizer: 'llama3',
    template: 'llama3-instruct',
    license: 'llama3.3',
  }),
  model({
    name: 'Qwen/Qwen2.5-7B-Instruct',
    displayName: 'Qwen 2.5 7B Instruct',
    organization: 'Qwen',
    contextLength: 32_768,
    paramsBillions: 7,
    tokenizer: 'qwen2',
    template: 'qwen2.5-chatml',
    license: 'apache-2.0',
  }),
  model({
    name: 'Qwen/Qwen2.5-14B-Instruct',
    displayName: 'Qwen 2.5 14B Instruct',
    organization: 'Qwen',
    contextLength: 32_768,
    paramsBillions: 14,
    tokenizer: 'qwen2',
    template: 'qwen2.5-chatml',
    license: 'apache-2.0',
  }),
  model({
    name: 'mistralai/Mistral-7B-Instruct-v0.2',
    displayName: 'Mistral 7B Instruct v0.2',
    organization: 'mistralai',
    contextLength: 32_768,
    paramsBillions: 7,
    tokenizer: 'mistral',
    template: 'mistral-instruct',
    license: 'apache-2.0',
    supportsTools: false,
  }),
  model({
    name: 'google/gemma-3-4b-it',
    displayName: 'Gemma 3 4B Instruct',
    organization: 'Google',
    contextLength: 131_072,
    paramsBillions: 4,
    tokenizer: 'gemma3',
    template: 'gemma3-instruct',
    license: 'gemma',
  }),
  model({
    name: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-14B',
    displayName: 'DeepSeek R1 Distill Qwen 14B',
    organization: 'DeepSeek',
    contextLength: 131_072,
    paramsBillions: 14,
    tokenizer: 'qwen2',
    template: 'deepseek-r1-distill',
    license: 'mit',
    supportsReasoning: true,
  }),
];

export function findModel(name: string): FineTuneModel | undefined {
  return FINE_TUNE_MODELS.find((m) => m.name === name);
}
