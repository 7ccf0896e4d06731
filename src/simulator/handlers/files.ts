/** `POST /files` (multipart CSV upload) and `GET /files/{id}`. */
import type { Handler } from '../api-context.js';
import { notFound, show } from '../api-error.js';
import { previewColumns } from '../csv-table.js';
import { readCsvUpload } from '../csv-upload.js';
import { newId } from '../ids.js';
import { json } from '../reply.js';
import type { StoredFile } from '../store.js';
import { wireFile } from '../wire.js';

export const uploadFile: Handler = async ({ req, org, deps }) => {
  const csv = await readCsvUpload(req, deps.options.maxUploadBytes);
  const file: StoredFile = {
    id: newId('file'),
    name: csv.filename,
    bytes: csv.bytes,
    // Stamped when the upload finished, not when it began: a large upload takes a while.
    createdAt: deps.options.now(),
    organizationId: org.id,
    header: csv.header,
    rows: csv.rows,
    columns: previewColumns(csv.header, csv.rows),
  };
  org.files.set(file.id, file);
  return json(201, wireFile(file));
};

export const getFile: Handler = ({ org, params }) => {
  const file = org.files.get(params['id'] ?? '');
  if (file === undefined) throw notFound(`no file ${show(params['id'])} in this organization`);
  return json(200, wireFile(file));
};
