/**
 * Together's errors as this API shows them. The Together client speaks Together's own ids (`ft-…`,
 * `file-…`): in what it is given, in what it answers, and in its errors' messages, Together's sentences
 * and the client's own (the CONFLICT of a cancel of an ended job, upstream/together/job-endpoints.ts).
 * The gateway gives those objects out as `together:ft-…` (provider-ids.ts), and a caller who reads
 * "file file-1a2b… failed" cannot send that id back. So the gateway reaches the client through this
 * view (`withPublicIds`), whose errors name each id as the caller knows it.
 */
import { UpstreamError, isUpstreamError } from '../upstream/errors.js';
import type { TogetherCreateJobInput } from '../upstream/together/create-job-input.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import { publicId } from './provider-ids.js';

/** Not right after the gateway's `together:`, nor inside a longer name (a model output name, a path). */
const STANDS_ALONE_BEFORE = String.raw`(?<![\w:/.-])`;
const STANDS_ALONE_AFTER = String.raw`(?![\w-])`;
/** Together's own form of an id in a sentence (provider-ids.ts: `ft-` or `file-` and hex). */
const OWN_ID_IN_TEXT = new RegExp(`${STANDS_ALONE_BEFORE}(?:ft|file)-[0-9a-f][0-9a-f-]{7,}${STANDS_ALONE_AFTER}`, 'gi');
/** An id the call was given, of Together's form however malformed (`ft-nope`), is named as it was sent. */
const OWN_PREFIX = /^(ft|file)-\S+$/i;

/** The methods whose second argument is one of Together's ids (not a model name, as `getModelLimits`'s is). */
const ID_METHODS: ReadonlySet<string> = new Set([
  'getFile',
  'deleteFile',
  'getJob',
  'cancelJob',
  'deleteJob',
  'getMetrics',
  'listEvents',
  'listCheckpoints',
  'getDownloadUrl',
] satisfies Array<keyof TogetherClient>);
const INPUT_METHODS: ReadonlySet<string> = new Set(['createJob', 'estimatePrice'] satisfies Array<
  keyof TogetherClient
>);

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with Together's ids in it, and the ids given, as the gateway gives them out (`together:…`). */
export function publicIdsInText(text: string, given: readonly string[] = []): string {
  let out = text;
  for (const id of new Set(given.filter((id) => OWN_PREFIX.test(id))))
    out = out.replace(
      new RegExp(`${STANDS_ALONE_BEFORE}${escaped(id)}${STANDS_ALONE_AFTER}`, 'g'),
      publicId('together', id),
    );
  return out.replace(OWN_ID_IN_TEXT, (id) => publicId('together', id));
}

/** An upstream error of Together's with its ids as the gateway gives them out; anything else unchanged. */
export function withPublicIdsIn(error: unknown, given: readonly string[] = []): unknown {
  if (!isUpstreamError(error)) return error;
  const named = error.fileId === undefined ? given : [...given, error.fileId];
  const message = publicIdsInText(error.message, named);
  const advice = error.advice === undefined ? undefined : publicIdsInText(error.advice, named);
  const fileId = error.fileId === undefined ? undefined : publicId('together', error.fileId);
  if (message === error.message && advice === error.advice && fileId === error.fileId) return error;
  return new UpstreamError(error.code, message, {
    status: error.status,
    upstreamCode: error.upstreamCode,
    upstreamParam: error.upstreamParam,
    retryAfterSeconds: error.retryAfterSeconds,
    operation: error.operation,
    field: error.field,
    advice,
    fileId,
    cause: error.cause,
  });
}

/** The ids a call names: its id argument, or the files and the job continued from of a new job. */
function idsOf(method: string, args: readonly unknown[]): string[] {
  const [, second] = args;
  if (ID_METHODS.has(method)) return typeof second === 'string' ? [second] : [];
  if (!INPUT_METHODS.has(method) || typeof second !== 'object' || second === null) return [];
  const input = second as Partial<TogetherCreateJobInput>;
  const continued = input.fromCheckpoint?.replace(/:\d+$/, '');
  return [input.trainingFileId, input.validationFileId, continued].filter((id): id is string => id !== undefined);
}

const views = new WeakMap<TogetherClient, TogetherClient>();

/** `client`, whose calls fail with the ids of their errors as the gateway gives them out. */
export function withPublicIds(client: TogetherClient): TogetherClient {
  let view = views.get(client);
  if (view === undefined) {
    view = new Proxy(client, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        return (...args: unknown[]) => {
          const result: unknown = Reflect.apply(value, target, args);
          if (!(result instanceof Promise)) return result;
          return result.catch((error: unknown) => {
            throw withPublicIdsIn(error, idsOf(key, args));
          });
        };
      },
    });
    views.set(client, view);
  }
  return view;
}
