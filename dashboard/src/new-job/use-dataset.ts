/**
 * The dataset of the uploaded files (`createDataset`), made again when either file changes. Its answer
 * is kept with the files it was made of, so an answer for files since replaced is never shown, and
 * nothing has to be reset when they change.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { CreateDataset } from '../operations';
import type { UploadedFile } from './csv-upload';
import { fileStem } from './new-job-state';
import { NO_PROBLEMS, problemsOf, type Problems } from './problems';

export interface DatasetState {
  id: string | null;
  /** Whether the dataset of the current files was answered (made, or refused). */
  settled: boolean;
  problems: Problems;
}

interface Made {
  training: UploadedFile;
  validation: UploadedFile | null;
  id: string | null;
  problems: Problems;
}

const UNSETTLED: DatasetState = { id: null, settled: false, problems: NO_PROBLEMS };

export function useDataset(training: UploadedFile | null, validation: UploadedFile | null): DatasetState {
  const [made, setMade] = useState<Made | null>(null);
  useEffect(() => {
    if (!training) return;
    let current = true;
    const settle = (id: string | null, problems: Problems) =>
      current && setMade({ training, validation, id, problems });
    const input = {
      name: fileStem(training.name),
      trainingFileId: training.id,
      validationFileId: validation?.id ?? null,
    };
    request(CreateDataset, { input }).then(
      ({ createDataset }) => settle(createDataset.id, NO_PROBLEMS),
      (error: unknown) => settle(null, problemsOf(error)),
    );
    return () => {
      current = false;
    };
  }, [training, validation]);
  if (!made || made.training !== training || made.validation !== validation) return UNSETTLED;
  return { id: made.id, settled: true, problems: made.problems };
}
