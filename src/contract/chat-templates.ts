/**
 * The text a fine-tuning run wraps around each row: the base model's chat template, as its tokenizer
 * config on the model card renders one user turn (the prompt) and one assistant turn (the answer).
 * A template's own tokens are fixed per model, so they are counted once here and pinned by tests
 * against the tokenizers; special tokens (`<|eot_id|>`, `<s>`, `<｜User｜>`…) are one token each.
 *
 * Which base model uses which tokenizer and template is keyed by the seed's model ids. The upstream
 * does not document how it renders rows [ours]: we take each model's published template, and for the
 * one base (non-instruct) model, which has none, just its begin and end tokens.
 */
import type { TokenizerFamily } from './tokenizers.js';

export interface ChatTemplate {
  /** Stable name, shown in reports. */
  name: string;
  family: TokenizerFamily;
  /** The rendered template with `{prompt}` and `{answer}` where the row's texts go (both trimmed). */
  text: string;
  /** Tokens of the template itself, around the prompt's and answer's own tokens. */
  overheadTokens: number;
}

const LLAMA3_INSTRUCT: ChatTemplate = {
  name: 'llama3-instruct',
  family: 'llama3',
  text:
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>' +
    '<|start_header_id|>assistant<|end_header_id|>\n\n{answer}<|eot_id|>',
  overheadTokens: 11,
};

const LLAMA3_BASE: ChatTemplate = {
  name: 'llama3-base',
  family: 'llama3',
  text: '<|begin_of_text|>{prompt}{answer}<|end_of_text|>',
  overheadTokens: 2,
};

const MISTRAL_INSTRUCT: ChatTemplate = {
  name: 'mistral-instruct',
  family: 'mistral',
  // <s>, "▁[" "INST" "]", then "▁[" "/" "INST" "]", and </s>.
  text: '<s>[INST] {prompt} [/INST]{answer}</s>',
  overheadTokens: 9,
};

const chatMl = (name: string, system: string, overheadTokens: number): ChatTemplate => ({
  name,
  family: 'qwen2',
  // The Qwen instruct templates add this default system turn when the conversation has none.
  text: `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{answer}<|im_end|>\n`,
  overheadTokens,
});

const QWEN2_CHATML = chatMl('qwen2-chatml', 'You are a helpful assistant.', 21);
const QWEN25_CHATML = chatMl(
  'qwen2.5-chatml',
  'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.',
  31,
);

const DEEPSEEK_R1_DISTILL: ChatTemplate = {
  name: 'deepseek-r1-distill',
  family: 'qwen2',
  // Qwen2's vocabulary with DeepSeek's own special tokens (ids 151643–151646 in its tokenizer.json).
  text: '<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜>{answer}<｜end▁of▁sentence｜>',
  overheadTokens: 4,
};

const GEMMA3_INSTRUCT: ChatTemplate = {
  name: 'gemma3-instruct',
  family: 'gemma3',
  // Gemma 3 has no system turn; its model turn is named "model".
  text: '<bos><start_of_turn>user\n{prompt}<end_of_turn>\n<start_of_turn>model\n{answer}<end_of_turn>\n',
  overheadTokens: 11,
};

/** Base-model id (Nscale's seed ids; Together's model names) → its chat template. */
const TEMPLATES_BY_MODEL: Readonly<Record<string, ChatTemplate>> = {
  'e5f6a7b8-c9d0-1234-efab-567890123456': LLAMA3_INSTRUCT, // Meta-Llama-3-8B-Instruct
  'd4e5f6a7-b8c9-0123-defa-456789012345': LLAMA3_BASE, // Meta-Llama-3-8B
  'f6a7b8c9-d0e1-2345-fabc-678901234567': MISTRAL_INSTRUCT, // Mistral-7B-Instruct-v0.1
  'a7b8c9d0-e1f2-3456-abcd-789012345678': MISTRAL_INSTRUCT, // Mistral-7B-Instruct-v0.2
  'b1432ae3-b4ce-4e12-be53-ab0555d00f93': DEEPSEEK_R1_DISTILL, // DeepSeek-R1-Distill-Qwen-1.5B
  'c3d4e5f6-a7b8-9012-cdef-345678901234': DEEPSEEK_R1_DISTILL, // DeepSeek-R1-Distill-Qwen-14B
  'a1b2c3d4-e5f6-7890-abcd-ef1234567890': QWEN2_CHATML, // Qwen2-1.5B-Instruct
  'b2c3d4e5-f6a7-8901-bcde-f23456789012': QWEN25_CHATML, // Qwen2.5-14B-Instruct
  // Together's catalogue (a Together base model's id is its name).
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference': LLAMA3_INSTRUCT,
  'meta-llama/Llama-3.2-3B-Instruct': LLAMA3_INSTRUCT,
  'meta-llama/Llama-3.3-70B-Instruct-Reference': LLAMA3_INSTRUCT,
  'Qwen/Qwen2.5-7B-Instruct': QWEN25_CHATML,
  'Qwen/Qwen2.5-14B-Instruct': QWEN25_CHATML,
  'mistralai/Mistral-7B-Instruct-v0.2': MISTRAL_INSTRUCT,
  'google/gemma-3-4b-it': GEMMA3_INSTRUCT,
  'deepseek-ai/DeepSeek-R1-Distill-Qwen-14B': DEEPSEEK_R1_DISTILL,
};

/** The template of a base model, or undefined for a model this gateway has no tokenizer for. */
export function chatTemplateFor(baseModelId: string): ChatTemplate | undefined {
  return TEMPLATES_BY_MODEL[baseModelId];
}

export const ALL_CHAT_TEMPLATES: readonly ChatTemplate[] = [...new Set(Object.values(TEMPLATES_BY_MODEL))];
