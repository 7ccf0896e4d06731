/**
 * The last step of an upload (upload-file.ts): the file, stored by now, read back. The answer must
 * carry Together's checks of the file (`validation_report`: why it is unusable, the format of its
 * rows), which only that read says, so the upload cannot answer from what it sent alone.
 *
 * But the file is stored: a read-back that fails must not read as a failed upload, which the caller
 * would repeat, storing the file twice (a trial saw UPSTREAM_UNAVAILABLE with no id for a file
 * Together held). So the read is tried again, each try retried as any read is, until one call's
 * deadline (`CallOptions.deadlineMs`, else the client's `deadlineMs`) has passed since the bytes
 * arrived; and a read-back that still fails is UPSTREAM_OUTCOME_UNKNOWN (do not repeat blindly) whose
 * message says that the file was stored and under which id, the id also in `fileId`.
 */
import { startDeadline } from '../call-deadline.js';
import { UpstreamError, isUpstreamError, type UpstreamErrorCode } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { quote } from '../../contract/quote.js';
import { backoffDelayMs } from '../retry.js';
import type { BearerCredentials, CallOptions } from '../types.js';
import type { TogetherFile } from './wire-files.js';

type ReadFile = (creds: BearerCredentials, id: string, opts?: CallOptions) => Promise<TogetherFile>;

/** Failures that may pass: worth another try while the deadline allows. */
const PASSING: ReadonlySet<UpstreamErrorCode> = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_ERROR', 'RATE_LIMITED']);

/** Not an answer that came and could not be read (a 2xx whose body is not a file): that one would come again. */
const mayPass = (error: UpstreamError): boolean =>
  PASSING.has(error.code) && !(error.status !== undefined && error.status >= 200 && error.status < 300);

/** The stored file (Together's `id`, and the name it was stored under), or the error that says it was stored. */
export async function readBackFile(
  read: ReadFile,
  o: ResolvedOptions,
  creds: BearerCredentials,
  file: { id: string; name: string },
  opts?: CallOptions,
): Promise<TogetherFile> {
  const deadline = startDeadline(opts?.deadlineMs ?? o.deadlineMs, o.now, opts?.signal);
  try {
    for (let round = 1; ; round++) {
      let failure: unknown;
      try {
        return await read(creds, file.id, { ...opts, deadlineMs: Math.max(1, deadline.at - o.now()) });
      } catch (error) {
        failure = error;
      }
      // The caller left (nobody to tell), or not an upstream failure at all (a bug): as it is.
      if (opts?.signal?.aborted || !isUpstreamError(failure)) throw failure;
      const delayMs = backoffDelayMs(round, o.retry, o.random);
      if (!mayPass(failure) || o.now() + delayMs >= deadline.at) throw storedButUnread(failure, file);
      try {
        await o.sleep(delayMs, deadline.signal);
      } catch (error) {
        if (opts?.signal?.aborted) throw error;
        throw storedButUnread(failure, file);
      }
    }
  } finally {
    deadline.dispose();
  }
}

function storedButUnread(error: UpstreamError, file: { id: string; name: string }): UpstreamError {
  return new UpstreamError(
    'UPSTREAM_OUTCOME_UNKNOWN',
    `The file was stored at Together as ${file.id} (${quote(file.name)}), but reading it back for ` +
      `Together's checks of it failed: ${error.message}`,
    {
      status: error.status,
      upstreamCode: error.upstreamCode,
      operation: error.operation,
      fileId: file.id,
      advice: `Do not upload it again: ask for it with file(id: "${file.id}") once Together answers.`,
      cause: error,
    },
  );
}
