/**
 * /datasets: creation is never retried; DELETE is, and a repeat after a lost answer that meets 404
 * counts as done (the first attempt may have deleted it).
 */
import type { Call } from './call.js';
import { DATASET_INPUT_FIELDS } from './input-fields.js';
import { getExchange, type JsonCall } from './json-call.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { createDatasetBody } from './requests.js';
import { datasetSchema, listSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';

export function datasetEndpoints(
  call: Call,
  json: JsonCall,
): Pick<UpstreamClient, 'createDataset' | 'listDatasets' | 'getDataset' | 'deleteDataset'> {
  return {
    createDataset: async (creds, input, opts) =>
      json(
        creds,
        {
          method: 'POST',
          route: '/datasets',
          path: '/datasets',
          json: createDatasetBody(input),
          inputFields: DATASET_INPUT_FIELDS,
          retry: false,
        },
        opts,
        (r, op) => parseResponse(datasetSchema, r, op),
      ),

    listDatasets: async (creds, opts) =>
      json(
        creds,
        getExchange('/datasets', '/datasets'),
        opts,
        (r, op) => parseResponse(listSchema(datasetSchema), r, op).data,
      ),

    getDataset: async (creds, id, opts) =>
      json(creds, getExchange('/datasets/{id}', `/datasets/${segment('dataset', id)}`), opts, (r, op) =>
        parseResponse(datasetSchema, r, op),
      ),

    deleteDataset: async (creds, id, opts) => {
      const path = `/datasets/${segment('dataset', id)}`;
      await call(
        creds,
        { method: 'DELETE', route: '/datasets/{id}', path, retry: true, acceptAfterLostAttempt: 404 },
        opts,
      );
    },
  };
}
