/**
 * The `.tar.gz` a completed job downloads: a PEFT-style LoRA adapter. `adapter_config.json` uses the
 * PEFT field names (r, lora_alpha, lora_dropout, target_modules, base_model_name_or_path) so that
 * tools that load real adapters can read it; `adapter_model.safetensors` is a valid, tiny safetensors
 * file (one A and one B matrix, values fixed by the job id) rather than a multi-gigabyte real one.
 */
import { TRAINABLE_MODULES } from '../contract/hyperparameters.js';
import { loraSafetensors } from './lora-safetensors.js';
import type { StoredJob } from './store.js';
import { packTarGz } from './tar-gz.js';

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
  const module = job.hyperparameters.lora.trainable_modules[0] ?? 'q_proj';
  return loraSafetensors({
    seed: job.id,
    r: job.hyperparameters.lora.r,
    module,
    hidden: HIDDEN,
    metadata: { format: 'pt', job_id: job.id },
  });
}

export async function buildAdapterArchive(job: StoredJob, mtime: Date): Promise<Buffer> {
  return packTarGz(
    [
      ['adapter_config.json', Buffer.from(`${JSON.stringify(adapterConfig(job), null, 2)}\n`)],
      ['adapter_model.safetensors', safetensors(job)],
    ],
    mtime,
  );
}
