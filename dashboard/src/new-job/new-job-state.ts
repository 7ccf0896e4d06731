/**
 * What the user has done on the new-job form, and only that: the files uploaded, what was typed and
 * what was picked. Everything else (the columns and batch size in effect, the job input, its problems)
 * is derived from it on each render (`derive-form.ts`, `job-input.ts`), so nothing is kept in sync by hand.
 */
import type { UploadedFile } from './csv-upload';
import type { NumericFieldPath } from './field-path';

/** An uploaded CSV: the service's record of it, and the bytes (the pre-flight check sends them again). */
interface Upload {
  file: UploadedFile;
  chosen: File;
}

export interface NewJobState {
  training: Upload | null;
  validation: Upload | null;
  name: string;
  /** Picks, null until the user picks: the form then guesses from the columns and the models. */
  promptColumn: string | null;
  answerColumn: string | null;
  baseModelId: string | null;
  batchSize: number | null;
  /** Each hyperparameter's box, as typed. */
  hyperparameters: Readonly<Partial<Record<NumericFieldPath, string>>>;
  /** The user asked for the service's estimate: from then on the form has a dataset made (use-dataset.ts). */
  committed: boolean;
}

export type NewJobAction =
  | { type: 'uploaded'; role: 'training' | 'validation'; upload: Upload | null }
  | { type: 'typed'; field: 'name' | 'promptColumn' | 'answerColumn' | 'baseModelId'; value: string }
  | { type: 'batchSize'; size: number }
  | { type: 'hyperparameter'; path: NumericFieldPath; text: string }
  | { type: 'commit' };

export const NEW_JOB: NewJobState = {
  training: null,
  validation: null,
  name: '',
  promptColumn: null,
  answerColumn: null,
  baseModelId: null,
  batchSize: null,
  hyperparameters: {},
  committed: false,
};

export function newJobReducer(state: NewJobState, action: NewJobAction): NewJobState {
  switch (action.type) {
    case 'uploaded':
      return { ...state, [action.role]: action.upload };
    case 'typed':
      return { ...state, [action.field]: action.value };
    case 'batchSize':
      return { ...state, batchSize: action.size };
    case 'hyperparameter':
      return { ...state, hyperparameters: { ...state.hyperparameters, [action.path]: action.text } };
    case 'commit':
      return { ...state, committed: true };
  }
}

/** "support.csv" → "support": a dataset's and a job's default name. */
export const fileStem = (name: string): string => name.replace(/\.csv$/i, '');
