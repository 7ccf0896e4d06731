/**
 * The `.tar.gz` a completed job downloads: a PEFT-style LoRA adapter. `adapter_config.json` uses the
 * PEFT field names (r, lora_alpha, lora_dropout, target_modules, base_model_name_or_path) so that
 * tools that load real adapters can read it; `adapter_model.safetensors` is a valid, tiny safetensors
 * file (one A and one B matrix, values fixed by the job id) rather than a multi-gigabyte real one.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { TRAINABLE_MODULES } from '../contract/hyperparameters.js';
import { unitHash } from './ids.js';
import type { StoredJob } from './store.js';

/** Width of the simulated hidden size: small, the file is a stand-in. */
const HIDDEN = 16;

export function adapterConfig(job: StoredJob): Record<string, unknown> {
  const lora = job.hyperparameters.lora;
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: job.baseModel.name,
    r: lora.r,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    // An empty list means "all linear layers" in the request; the adapter names them.
    target_modules: lora.trainable_modules.length > 0 ? [...lora.trainable_modules] : [...TRAINABLE_MODULES],
    bias: 'none',
    inference_mode: true,
  };
}

function safetensors(job: StoredJob): Buffer {
  const r = job.hyperparameters.lora.r;
  const module = job.hyperparameters.lora.trainable_modules[0] ?? 'q_proj';
  const prefix = `base_model.model.model.layers.0.self_attn.${module}`;
  const count = r * HIDDEN;
  const data = Buffer.alloc(count * 2 * 4);
  for (let i = 0; i < count * 2; i++) data.writeFloatLE((unitHash(job.id, `w${i}`) - 0.5) * 0.02, i * 4);
  const header = {
    __metadata__: { format: 'pt', job_id: job.id },
    [`${prefix}.lora_A.weight`]: { dtype: 'F32', shape: [r, HIDDEN], data_offsets: [0, count * 4] },
    [`${prefix}.lora_B.weight`]: { dtype: 'F32', shape: [HIDDEN, r], data_offsets: [count * 4, count * 8] },
  };
  // The format pads the JSON header with spaces to a multiple of 8 bytes.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), data]);
}

export async function buildAdapterArchive(job: StoredJob, mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const files: Array<[string, Buffer]> = [
    ['adapter_config.json', Buffer.from(`${JSON.stringify(adapterConfig(job), null, 2)}\n`)],
    ['adapter_model.safetensors', safetensors(job)],
  ];
  for (const [name, content] of files) pack.entry({ name, size: content.length, mtime, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks));
}
