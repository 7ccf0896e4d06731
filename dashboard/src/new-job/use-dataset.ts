/**
 * The dataset of the uploaded files (`createDataset`), made only once the user commits: asks for the
 * service's estimate (its dry run prices a dataset, so it needs one) or starts the job. Choosing files
 * and reading the pre-flight report (which needs no dataset) creates nothing, so an abandoned form
 * leaves no dataset behind. A dataset the form made and no job took (the files changed after the
 * estimate, or the user left) is deleted again; `keep()` marks the one a job was started on.
 *
 * Its answer is kept with the files it was made of, so an answer for files since replaced is never
 * shown, and nothing has to be reset when they change.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api';
import { CreateDataset, DeleteDataset } from '../operations';
import type { UploadedFile } from './csv-upload';
import { fileStem } from './new-job-state';
import { NO_PROBLEMS, problemsOf, type Problems } from './problems';

export interface DatasetState {
  id: string | null;
  /** Whether the dataset of the current files was answered (made, or refused). */
  settled: boolean;
  problems: Problems;
  /** The job was started on this dataset: the form must not delete it. */
  keep(): void;
}

interface Made {
  training: UploadedFile;
  validation: UploadedFile | null;
  id: string | null;
  problems: Problems;
}

export function useDataset(
  training: UploadedFile | null,
  validation: UploadedFile | null,
  committed: boolean,
): DatasetState {
  const [made, setMade] = useState<Made | null>(null);
  const keptRef = useRef<string | null>(null);
  useEffect(() => {
    if (!training || !committed) return;
    let current = true;
    let id: string | null = null;
    const settle = (made: string | null, problems: Problems) => {
      id = made;
      if (current) setMade({ training, validation, id: made, problems });
      else dispose(made);
    };
    const dispose = (made: string | null) => {
      if (made !== null && made !== keptRef.current) void request(DeleteDataset, { id: made }).catch(() => undefined);
    };
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
      dispose(id);
    };
  }, [training, validation, committed]);
  const keep = () => {
    keptRef.current = made?.id ?? null;
  };
  if (!made || made.training !== training || made.validation !== validation)
    return { id: null, settled: false, problems: NO_PROBLEMS, keep };
  return { id: made.id, settled: true, problems: made.problems, keep };
}
