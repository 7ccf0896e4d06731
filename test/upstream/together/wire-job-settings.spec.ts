/**
 * Which of a new job's settings Together's job object returns, against Together's SDK types (type-only
 * imports): `Job` shows back `n_checkpoints`, `training_method` (DPO's `dpo_beta`) and `from_checkpoint`,
 * read from the full job (`job`) and the truncated one (`createJob`, `jobs`) alike; the Hugging Face
 * export target and early stopping's settings are sent but returned by neither, which the schema says
 * (`Hyperparameters`, `CreateJobInput.huggingFaceExport`). `tsc --noEmit` fails the day either changes.
 */
import type { FineTuningCreateResponse, FinetuneResponse } from 'together-ai/resources/fine-tuning';
import { describe, expect, it } from 'vitest';

type Returned = 'n_checkpoints' | 'from_checkpoint' | 'training_method';
type NotReturned =
  | 'hf_output_repo_name'
  | 'hf_api_token'
  | 'early_stopping_enabled'
  | 'early_stopping_patience'
  | 'early_stopping_warmup_evals'
  | 'early_stopping_min_delta';
type Dpo<T> = Extract<NonNullable<T>, { method: 'dpo' }>;

const returnedByBoth: [Returned] extends [keyof FinetuneResponse & keyof FineTuningCreateResponse] ? true : false =
  true;
const dpoBetaOnBoth: ['dpo_beta'] extends [
  keyof Dpo<FinetuneResponse['training_method']> & keyof Dpo<FineTuningCreateResponse['training_method']>,
]
  ? true
  : false = true;
const returnedByNeither: [NotReturned & (keyof FinetuneResponse | keyof FineTuningCreateResponse)] extends [never]
  ? true
  : false = true;

describe("Together's job object: the settings it returns", () => {
  it('returns the checkpoints, the training method and the continuation; not the export nor early stopping', () => {
    expect([returnedByBoth, dpoBetaOnBoth, returnedByNeither]).toEqual([true, true, true]);
  });
});
