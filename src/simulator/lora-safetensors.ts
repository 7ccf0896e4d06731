/**
 * A valid, tiny safetensors file holding one LoRA A and one B matrix (F32), values fixed by `seed`:
 * a stand-in for a real adapter that tools reading safetensors headers can open.
 */
import { unitHash } from './ids.js';

export interface LoraTensorsSpec {
  /** Fixes the values, so that two downloads of one job are byte-identical. */
  seed: string;
  r: number;
  /** The adapted module named in the tensor names, e.g. `q_proj`. */
  module: string;
  /** Simulated hidden size: small, the file is a stand-in. */
  hidden: number;
  metadata: Record<string, string>;
}

export function loraSafetensors(spec: LoraTensorsSpec): Buffer {
  const { r, hidden, seed } = spec;
  const prefix = `base_model.model.model.layers.0.self_attn.${spec.module}`;
  const count = r * hidden;
  const data = Buffer.alloc(count * 2 * 4);
  for (let i = 0; i < count * 2; i++) data.writeFloatLE((unitHash(seed, `w${i}`) - 0.5) * 0.02, i * 4);
  const header = {
    __metadata__: spec.metadata,
    [`${prefix}.lora_A.weight`]: { dtype: 'F32', shape: [r, hidden], data_offsets: [0, count * 4] },
    [`${prefix}.lora_B.weight`]: { dtype: 'F32', shape: [hidden, r], data_offsets: [count * 4, count * 8] },
  };
  // The format pads the JSON header with spaces to a multiple of 8 bytes.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), data]);
}
