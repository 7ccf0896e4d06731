/**
 * `createTogetherClient`: the gateway's client of Together AI's fine-tuning API
 * (docs/together-contract.md), on the same call machinery as the Nscale client (../call.ts:
 * deadline, caller abort, retries by pure decisions, observer, redaction, circuit breaker), with
 * Together's dialect (../dialect.ts: no organization in paths, Together's error envelope).
 *
 * Retried: every GET, the price estimate, cancel, and DELETE. Never retried: job creation (a lost
 * answer is UPSTREAM_OUTCOME_UNKNOWN), the upload's start and its PUT (a consumed stream).
 */
import type { Agent, Dispatcher } from 'undici';
import { createAgent, guardedCall } from '../client.js';
import { loggedCircuitBreaker } from '../logged-circuit-breaker.js';
import { jsonCall } from '../json-call.js';
import { resolveOptions, type ResolvedOptions, type UpstreamClientOptions } from '../options.js';
import { parseResponse } from '../parse-response.js';
import { segment } from '../path.js';
import { jobEndpoints } from './job-endpoints.js';
import { downloadStream } from './download-stream.js';
import { jobOutputEndpoints } from './job-output-endpoints.js';
import { modelEndpoints } from './model-endpoints.js';
import type { TogetherClient } from './together-client-types.js';
import { TOGETHER_DIALECT } from './together-dialect.js';
import { getTogetherFile, uploadFile } from './upload-file.js';
import { fileDeletedSchema, fileListSchema } from './wire-files.js';

/** The same options as the Nscale client; `baseUrl` is Together's API root (`https://api.together.xyz/v1`). */
export interface TogetherClientOptions extends UpstreamClientOptions {
  /**
   * The largest file Together takes, in bytes. A CSV is converted to JSONL on the way, which makes
   * it larger: a conversion that would pass this is refused (BAD_USER_INPUT naming both sizes and
   * this limit) before a byte past it is sent. Set it to the upstream's own limit when it is not
   * Together's (the embedded simulator takes `MAX_UPLOAD_BYTES`).
   * @default TOGETHER_MAX_UPLOAD_BYTES // 4.9 GiB, the Together SDK's file check
   */
  maxUploadBytes?: number;
}

/**
 * Connections of the pool that streams downloads (download-stream.ts) when no dispatcher is injected:
 * a transfer holds its connection for as long as it lasts, so downloads have a pool of their own and
 * never take the connections of the API's calls; downloads beyond it wait for one.
 */
const DOWNLOAD_CONNECTIONS = 16;

export function createTogetherClient(options: TogetherClientOptions): TogetherClient {
  const o: ResolvedOptions = { ...resolveOptions(options), dialect: TOGETHER_DIALECT };
  const ownAgent = options.dispatcher === undefined ? createAgent(o) : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Agent);
  const downloadAgent =
    options.dispatcher === undefined ? createAgent({ ...o, connections: DOWNLOAD_CONNECTIONS }) : undefined;
  const breaker = loggedCircuitBreaker(options.circuitBreaker, o);
  const call = guardedCall(dispatcher, o, breaker);
  const json = jsonCall(call);
  const jobs = jobEndpoints(call, json);
  return {
    ...modelEndpoints(json),
    uploadFile: uploadFile(call, json, o, options.maxUploadBytes),
    getFile: getTogetherFile(json),
    listFiles: (creds, opts) =>
      json(
        creds,
        { method: 'GET', route: '/files', path: '/files', retry: true },
        opts,
        (r, op) => parseResponse(fileListSchema, r, op).data,
      ),
    deleteFile: async (creds, id, opts) => {
      const path = `/files/${segment('file', id)}`;
      const ex = { method: 'DELETE' as const, route: '/files/{id}', path, retry: true, acceptAfterLostAttempt: 404 };
      await json(creds, ex, opts, (r, op) => (r.status === 404 ? null : parseResponse(fileDeletedSchema, r, op)));
    },
    ...jobs,
    ...jobOutputEndpoints(json, o, jobs.getJob),
    openDownload: downloadStream(options.dispatcher ?? (downloadAgent as Agent), o),
    close: async () => {
      await ownAgent?.close();
      // A transfer still running at close has nobody left to serve (the server closed first): cut, not awaited.
      await downloadAgent?.destroy();
    },
    circuitBreaker: breaker,
  };
}
