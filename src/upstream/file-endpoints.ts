/** POST /files (the streamed multipart upload, never retried: the stream is consumed) and GET /files/{id}. */
import type { Exchange } from './call.js';
import { getExchange, type JsonCall } from './json-call.js';
import { multipartFile } from './multipart.js';
import type { ResolvedOptions } from './options.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { fileSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';

export function fileEndpoints(json: JsonCall, o: ResolvedOptions): Pick<UpstreamClient, 'uploadFile' | 'getFile'> {
  return {
    uploadFile: async (creds, upload, opts) => {
      let framed: ReturnType<typeof multipartFile>;
      try {
        framed = multipartFile('file', upload.filename, upload.contentType ?? 'text/csv', upload.body);
      } catch (error) {
        upload.body.destroy();
        throw error;
      }
      const { body, contentType } = framed;
      const ex: Exchange = {
        method: 'POST',
        route: '/files',
        path: '/files',
        stream: { body, contentType, source: upload.body },
        retry: false,
        deadlineMs: o.uploadDeadlineMs,
      };
      return json(creds, ex, opts, (r, op) => parseResponse(fileSchema, r, op));
    },

    getFile: async (creds, id, opts) =>
      json(creds, getExchange('/files/{id}', `/files/${segment('file', id)}`), opts, (r, op) =>
        parseResponse(fileSchema, r, op),
      ),
  };
}
