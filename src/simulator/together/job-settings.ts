/** A fine-tune's settings once its body is checked against its model: what the job runs with. */
import type { CreateBody } from './create-schema.js';
import type { FineTuneModel } from './models.js';
import type { TrainingKind } from './pricing.js';
import type { StoredFile } from './store.js';

export interface LoraSettings {
  lora_r: number;
  lora_alpha: number;
  lora_dropout: number;
  lora_trainable_modules: string;
}

export type MethodSettings =
  | { method: 'sft'; train_on_inputs: boolean | 'auto' }
  | {
      method: 'dpo';
      dpo_beta: number;
      rpo_alpha: number;
      simpo_gamma: number;
      dpo_normalize_logratios_by_length: boolean;
      dpo_reference_free: boolean;
    };

export interface JobSettings {
  body: CreateBody;
  model: FineTuneModel;
  trainingFile: StoredFile;
  validationFile: StoredFile | null;
  kind: TrainingKind;
  /** `"max"` resolved to the model's largest batch for this kind of training. */
  batchSize: number;
  maxSeqLength: number;
  lora: LoraSettings | null;
  method: MethodSettings;
  /** What the job continues from: a checkpoint of an earlier job of the account, or a Hugging Face repo. */
  fromCheckpoint: string | null;
}
