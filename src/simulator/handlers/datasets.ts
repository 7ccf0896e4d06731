/** `POST /datasets`, `GET /datasets`, `GET /datasets/{id}`, `DELETE /datasets/{id}`. */
import type { Handler } from '../api-context.js';
import { invalidArgument, notFound, show } from '../api-error.js';
import { newId } from '../ids.js';
import { json, noContent } from '../reply.js';
import { readJsonBody } from '../request-body.js';
import type { OrgState, StoredDataset } from '../store.js';
import { wireDataset } from '../wire.js';

function fileIdAt(body: Record<string, unknown>, key: string, org: OrgState, required: boolean): string | null {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw invalidArgument(`${key}: required, the id of an uploaded file`);
    return null;
  }
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${key}: ${show(value)} is not a file id`);
  if (!org.files.has(value)) throw invalidArgument(`${key}: no file ${show(value)} in this organization`);
  return value;
}

export const createDataset: Handler = async ({ req, org, now }) => {
  const body = await readJsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidArgument('request body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const name = fields['name'];
  if (typeof name !== 'string' || name.trim() === '')
    throw invalidArgument(`name: ${show(name)} is not a non-empty string`);
  const dataset: StoredDataset = {
    id: newId('ds'),
    name,
    trainingFileId: fileIdAt(fields, 'training_file_id', org, true) as string,
    validationFileId: fileIdAt(fields, 'validation_file_id', org, false),
    createdAt: now,
    organizationId: org.id,
  };
  org.datasets.set(dataset.id, dataset);
  return json(201, wireDataset(dataset));
};

// Newest first, like the job list.
export const listDatasets: Handler = ({ org }) =>
  json(200, { data: [...org.datasets.values()].reverse().map(wireDataset) });

function findDataset(org: OrgState, id: string | undefined): StoredDataset {
  const dataset = org.datasets.get(id ?? '');
  if (dataset === undefined) throw notFound(`no dataset ${show(id)} in this organization`);
  return dataset;
}

export const getDataset: Handler = ({ org, params }) => json(200, wireDataset(findDataset(org, params['id'])));

/** Jobs already created keep their data: they planned from the files, which stay. */
export const deleteDataset: Handler = ({ org, params }) => {
  org.datasets.delete(findDataset(org, params['id']).id);
  return noContent();
};
