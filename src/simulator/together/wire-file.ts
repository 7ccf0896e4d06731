/**
 * A data file as the API sends it (`FileResponse`), declared to satisfy the SDK's type, with two
 * differences from it that the spec states: `purpose` is any of the spec's seven purposes (the SDK's
 * type names three), and `LineCount`, which the spec's `FileResponse` requires and the SDK's type
 * does not name, is sent.
 */
import type { FileList, FileResponse } from 'together-ai/resources/files';
import type { FilePurpose } from './file-checks.js';
import type { StoredFile } from './store.js';

type WireFile = Omit<FileResponse, 'purpose'> & { purpose: FilePurpose; LineCount: number };
export type WireFileList = Omit<FileList, 'data'> & { data: WireFile[] };

function report(file: StoredFile): FileResponse.ValidationReport | undefined {
  const check = file.check;
  if (check === null || file.purpose !== 'fine-tune') return undefined;
  if (!check.ok)
    return { valid: false, error: check.message, error_type: 'INVALID_FORMAT', file_id: file.id, nlines: check.lines };
  return {
    valid: true,
    file_id: file.id,
    nlines: check.lines,
    ...(check.format !== null && { dataset_format: check.format.toUpperCase() }),
  };
}

function processingStatus(file: StoredFile): NonNullable<FileResponse['processing_status']> {
  if (file.check === null) return 'PENDING';
  return file.check.ok ? 'COMPLETED' : 'INVALID_FORMAT';
}

export function wireFile(file: StoredFile) {
  const validation = report(file);
  const body = {
    id: file.id,
    object: 'file',
    bytes: file.content?.length ?? 0,
    created_at: Math.floor(file.createdAt / 1000),
    filename: file.filename,
    FileType: file.fileType,
    purpose: file.purpose,
    Processed: file.check !== null,
    processing_status: processingStatus(file),
    // The lines of the file holding data (blank ones are not counted); 0 until the bytes arrived.
    LineCount: file.check?.lines ?? 0,
    ...(validation !== undefined && { validation_report: validation }),
  } satisfies WireFile;
  return body;
}
