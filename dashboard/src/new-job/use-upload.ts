/**
 * One file input's upload (`uploadFile`): its progress, the service's record of the file, or the
 * gateway's refusal. A new upload aborts the one it overtakes (a file chosen again, or on Together other
 * columns picked), and only the latest one's answer is shown and handed on.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, upload } from '../api';
import type { CsvColumnsInput, UploadFileMutation } from '../gql/graphql';
import { UploadFile } from '../operations';

export type UploadedFile = UploadFileMutation['uploadFile'];

export interface UploadState {
  /** From 0 to 1 while the file is sent; null otherwise. */
  fraction: number | null;
  file: UploadedFile | null;
  error: string | null;
  /** Sends the file (on Together with the CSV's columns); what was uploaded before is dropped. */
  send(chosen: File, csvColumns?: CsvColumnsInput): Promise<void>;
  /** Drops the upload (an overtaken one is aborted), with `error` to show instead if any. */
  reset(error?: string | null): void;
}

export function useUpload(onUploaded: (file: UploadedFile | null, chosen: File | null) => void): UploadState {
  const [fraction, setFraction] = useState<number | null>(null);
  const [file, setFile] = useState<UploadedFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runningRef = useRef<AbortController | null>(null);

  const reset = (error: string | null = null) => {
    runningRef.current?.abort();
    runningRef.current = null;
    setFraction(null);
    setFile(null);
    setError(error);
    onUploaded(null, null);
  };

  const send = async (chosen: File, csvColumns?: CsvColumnsInput) => {
    reset();
    const controller = new AbortController();
    runningRef.current = controller;
    setFraction(0);
    try {
      const variables = csvColumns ? { file: chosen, csvColumns } : { file: chosen };
      const { uploadFile } = await upload(UploadFile, variables, setFraction, controller.signal);
      if (controller.signal.aborted) return;
      setFile(uploadFile);
      onUploaded(uploadFile, chosen);
    } catch (e) {
      if (!controller.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      if (!controller.signal.aborted) {
        setFraction(null);
        runningRef.current = null;
      }
    }
  };

  return { fraction, file, error, send, reset };
}
