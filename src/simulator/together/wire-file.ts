/** A data file as the API sends it (`FileResponse`), declared to satisfy the SDK's type. */
import type { FileResponse } from 'together-ai/resources/files';
import type { StoredFile } from './store.js';

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
    ...(validation !== undefined && { validation_report: validation }),
  } satisfies FileResponse;
  return body;
}
