/** What leaves the upstream with a trained model: the download URL and the Hugging Face export (never retried). */
import type { Exchange } from './call.js';
import { readDownloadUrl } from './download-url.js';
import { EXPORT_INPUT_FIELDS } from './input-fields.js';
import { getExchange, type JsonCall } from './json-call.js';
import type { ResolvedOptions } from './options.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { huggingFaceExportBody } from './requests.js';
import { exportSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

export function jobOutputEndpoints(
  json: JsonCall,
  o: ResolvedOptions,
): Pick<UpstreamClient, 'getDownloadUrl' | 'exportToHuggingFace'> {
  return {
    // The 302 is read, never followed (undici's request() does not follow redirects): the URL goes
    // to the user, and the caller's token never leaves for the storage host.
    getDownloadUrl: async (creds, id, opts) => {
      const ex: Exchange = {
        ...getExchange('/jobs/{id}/download', `/jobs/${segment('job', id)}/download`),
        acceptStatus: isRedirect,
      };
      return json(creds, ex, opts, (res, operation) => readDownloadUrl({ res, operation, upstream: o.baseUrl }));
    },

    exportToHuggingFace: async (creds, id, input, opts) => {
      const ex: Exchange = {
        method: 'POST',
        route: '/jobs/{id}/exports/hugging-face',
        path: `/jobs/${segment('job', id)}/exports/hugging-face`,
        json: huggingFaceExportBody(input),
        secrets: [input.accessToken],
        inputFields: EXPORT_INPUT_FIELDS,
        retry: false,
      };
      return json(creds, ex, opts, (r, op) => parseResponse(exportSchema, r, op));
    },
  };
}
