/**
 * POST /files (the streamed multipart upload, never retried: the stream is consumed) and GET /files/{id}.
 * An upload whose whole body was sent and whose answer was lost (or was a 500, 502 or 504) may have
 * stored the file: UPSTREAM_OUTCOME_UNKNOWN, not "unavailable", so that no one uploads it again as if
 * it had failed. One cut before its end stored nothing (call.ts).
 */
import type { Exchange } from './call.js';
import { getExchange, type JsonCall } from './json-call.js';
import { multipartFile } from './multipart.js';
import type { ResolvedOptions } from './options.js';
import { parseResponse } from './parse-response.js';
import { segment } from './path.js';
import { fileSchema } from './schemas.js';
import type { UpstreamClient } from './types.js';
import { checkedUtf8 } from './utf8-text.js';

const UPLOAD_UNKNOWN =
  'The whole file was sent, so the service may have stored it under an id this answer did not bring back; ' +
  'uploading it again stores another copy.';

export function fileEndpoints(json: JsonCall, o: ResolvedOptions): Pick<UpstreamClient, 'uploadFile' | 'getFile'> {
  return {
    uploadFile: async (creds, upload, opts) => {
      let framed: ReturnType<typeof multipartFile>;
      // The service takes UTF-8 CSV only: a file that is not is refused here, naming it, the line and
      // what to do (utf8-text.ts), where the service's refusal named only the GraphQL variable. The
      // upload's own failure (too large, too slow) reaches the check and ends the call as it is.
      const source = checkedUtf8(upload.body, upload.filename);
      try {
        framed = multipartFile('file', upload.filename, upload.contentType ?? 'text/csv', source);
      } catch (error) {
        source.destroy();
        upload.body.destroy();
        throw error;
      }
      const { body, contentType } = framed;
      const ex: Exchange = {
        method: 'POST',
        route: '/files',
        path: '/files',
        stream: { body, contentType, source },
        retry: false,
        outcomeUnknownOnLostAnswer: true,
        outcomeUnknownAdvice: UPLOAD_UNKNOWN,
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
