/**
 * GraphQL multipart requests, streamed. yoga's own parser reads the whole body into memory before
 * execution starts; this plugin hands the operation to yoga as soon as `operations` and `map` have
 * arrived and gives each `Upload` variable a lazy stream of its file part, so that a CSV flows from
 * the caller to the upstream without ever being held whole. The work is split by job:
 *
 * - `parse-multipart.ts`: the body, field by field, into operations and file parts;
 * - `file-parts.ts`: the order in which fields may open the parts (a streamed body is read in order);
 * - `file-part.ts`: one part's stream, as the `Upload` scalar hands it to resolvers;
 * - `upload-fields.ts`: the input field a part fills (`trainingFile`), which its refusals name;
 * - `upload-variables.ts`: where the parts land in the operation's variables, and which fields read
 *   them, checked before the operation executes (a part where no Upload goes, one read by two fields);
 * - `upload-limits.ts`: every size and count limit, and the refusal of a file that is too large;
 * - `upload-pace.ts`: the slowest a body may arrive, and the refusal of one too slow.
 *
 * This file only ties them to yoga's request lifecycle. Whatever no field opened is drained once the
 * response is ready, so that the request body ends and the connection can be reused.
 */
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { READ_ONCE_UPLOAD_FIELDS } from '../resolvers/upload.js';
import { drainRefusedBody } from './drain-refused-body.js';
import { FileParts } from './file-parts.js';
import { parseMultipart } from './parse-multipart.js';
import type { UploadLimits } from './upload-limits.js';
import { paced, type UploadPace } from './upload-pace.js';
import { uploadVariablesRefusal, type UploadExecution } from './upload-variables.js';

export interface StreamingUploadsOptions extends UploadLimits {
  /** The slowest a body may arrive (upload-pace.ts). @default no floor */
  pace?: UploadPace;
  /**
   * The fields (`Type.field`) that read an Upload once, to its end: a part one of them reads may be
   * read by no other field (upload-variables.ts). @default READ_ONCE_UPLOAD_FIELDS (`uploadFile`)
   */
  readOnce?: ReadonlySet<string>;
}

export function useStreamingUploads(options: StreamingUploadsOptions): Plugin {
  // The file parts of each multipart request in progress, drained once its response is ready.
  const partsOf = new WeakMap<Request, FileParts>();
  const readOnce = options.readOnce ?? READ_ONCE_UPLOAD_FIELDS;
  // Before the operation runs, so before any part is read or any upstream call is made.
  const check = ({ args, setResult }: { args: UploadExecution; setResult: (result: ExecutionResult) => void }) => {
    const request = (args.contextValue as { request?: Request } | undefined)?.request;
    const parts = request && partsOf.get(request);
    const refusal = parts ? uploadVariablesRefusal(args, parts.values(), readOnce) : null;
    if (refusal) setResult({ errors: [refusal] });
  };
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (
        request.method !== 'POST' ||
        !request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')
      )
        return;
      // Under Node's HTTP server, read the raw request: it is the same bytes without the Fetch
      // adapter's copy. Elsewhere (yoga.fetch in tests, other runtimes) read the Fetch body.
      const req = (serverContext as { req?: unknown }).req;
      const raw =
        req instanceof Readable && !req.readableDidRead
          ? req
          : request.body
            ? Readable.from(request.body as unknown as AsyncIterable<Uint8Array>)
            : null;
      const body = raw && options.pace ? paced(raw, options.pace) : raw;
      const parts = new FileParts(options.maxFileBytes); // until the operations say otherwise
      partsOf.set(request, parts);
      setRequestParser(() => parseMultipart(request.headers.get('content-type')!, body, parts, options));
    },
    onExecute({ args, setResultAndStopExecution }) {
      check({ args, setResult: setResultAndStopExecution });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check({ args, setResult: setResultAndStopExecution });
    },
    onResponse({ request, response, serverContext }) {
      const parts = partsOf.get(request);
      if (!parts) return;
      // Execution is over: no field will open a part any more. Those never opened (a field that
      // failed first, an unused variable, a skipped field) are drained, or the body would never end.
      parts.finish();
      partsOf.delete(request);
      // A file past the limit (413), a body too slow (408): the rest of the body is read and dropped
      // for a bounded time only.
      const req = (serverContext as { req?: unknown }).req;
      if ((response.status === 413 || response.status === 408) && req instanceof Readable)
        drainRefusedBody(req as IncomingMessage);
    },
  };
}
