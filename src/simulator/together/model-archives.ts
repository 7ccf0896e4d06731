/**
 * The archives `/finetune/download` serves, as `.tar.gz` (Together serves compressed archives; the
 * format is ours, as zstd is not in Node 20's zlib): a LoRA adapter in PEFT's layout
 * (`adapter_config.json`, `adapter_model.safetensors`), or a merged or fully trained model
 * (`config.json`, `model.safetensors`). The tensors are tiny stand-ins, fixed by job and step.
 */
import { loraSafetensors } from '../lora-safetensors.js';
import { packTarGz } from '../tar-gz.js';
import type { StoredJob } from './store.js';

const HIDDEN = 16;

function denseSafetensors(seed: string, metadata: Record<string, string>): Buffer {
  const values = HIDDEN * HIDDEN;
  const data = Buffer.alloc(values * 4);
  for (let i = 0; i < values; i++) data.writeFloatLE(Math.sin(seed.length * 31 + i) * 0.02, i * 4);
  let header = JSON.stringify({
    __metadata__: metadata,
    'model.layers.0.self_attn.q_proj.weight': { dtype: 'F32', shape: [HIDDEN, HIDDEN], data_offsets: [0, values * 4] },
  });
  header += ' '.repeat((8 - (Buffer.byteLength(header) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([length, Buffer.from(header), data]);
}

const jsonFile = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

export function adapterArchive(job: StoredJob, step: number, mtime: Date): Promise<Buffer> {
  const lora = job.settings.lora;
  if (lora === null) throw new TypeError('adapterArchive: a Full fine-tune has no adapter');
  const modules =
    lora.lora_trainable_modules === 'all-linear'
      ? [...job.settings.model.lora.targetModules]
      : lora.lora_trainable_modules.split(',');
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: job.settings.model.name,
    r: lora.lora_r,
    lora_alpha: lora.lora_alpha,
    lora_dropout: lora.lora_dropout,
    target_modules: modules,
    bias: 'none',
    inference_mode: true,
  };
  const metadata = { format: 'pt', job_id: job.id, step: String(step) };
  const tensors = loraSafetensors({
    seed: `${job.id}:${step}`,
    r: lora.lora_r,
    module: modules[0] ?? 'q_proj',
    hidden: HIDDEN,
    metadata,
  });
  return packTarGz(
    [
      ['adapter_config.json', jsonFile(config)],
      ['adapter_model.safetensors', tensors],
    ],
    mtime,
  );
}

export function modelArchive(job: StoredJob, step: number, mtime: Date): Promise<Buffer> {
  const config = {
    _name_or_path: job.settings.model.name,
    architectures: ['ForCausalLM'],
    torch_dtype: 'float32',
    fine_tune_id: job.id,
    step,
  };
  const tensors = denseSafetensors(`${job.id}:${step}`, { format: 'pt', job_id: job.id, step: String(step) });
  return packTarGz(
    [
      ['config.json', jsonFile(config)],
      ['model.safetensors', tensors],
    ],
    mtime,
  );
}
