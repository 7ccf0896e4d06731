/**
 * The dashboard's only way to the gateway: its public GraphQL API on the same origin. Queries and
 * mutations over HTTP, uploads as GraphQL multipart requests through XMLHttpRequest (for its upload
 * progress events), subscriptions over graphql-ws on one shared WebSocket, whose state (live,
 * reconnecting, lost) the pages show.
 */
import { createClient, type Client } from 'graphql-ws';
import { credentialHeaders, loadCredentials } from './credentials';
import type { TypedDocumentString } from './gql/graphql';
import { loadProvider, providerHeaders } from './provider';
import { RETRY_ATTEMPTS, retryDelayMs, shouldRetry } from './reconnect-policy';
import { userMessage } from './user-message';

export interface ApiProblem {
  message: string;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

/**
 * A GraphQL answer with errors: every problem, each with its code and (for input problems) field, its
 * message in the dashboard's words (user-message.ts: no advice about HTTP headers for a page's user).
 */
export class ApiError extends Error {
  readonly problems: ApiProblem[];
  constructor(problems: ApiProblem[]) {
    const shown = problems.map((p) => ({ ...p, message: userMessage(p.message) }));
    super(shown.map((p) => p.message).join('\n'));
    this.problems = shown;
  }
  get code(): string | undefined {
    return this.problems[0]?.extensions?.code;
  }
  /** Problems by `extensions.field` ("hyperparameters.batchSize"); those without a field under "". */
  byField(): Record<string, string[]> {
    const fields: Record<string, string[]> = {};
    for (const problem of this.problems) (fields[problem.extensions?.field ?? ''] ??= []).push(problem.message);
    return fields;
  }
}

const ENDPOINT = '/graphql';

function answer<R>(body: { data?: R | null; errors?: ApiProblem[] }): R {
  if (body.errors?.length) throw new ApiError(body.errors);
  if (!body.data) throw new ApiError([{ message: 'The gateway answered without data.' }]);
  return body.data;
}

export async function request<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...credentialHeaders(loadCredentials()),
        ...providerHeaders(),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError([{ message: 'The gateway cannot be reached.', extensions: { code: 'NETWORK' } }]);
  }
  return answer((await response.json()) as { data?: R; errors?: ApiProblem[] });
}

/** The variables with each File replaced by null, and where each File was (`variables.input.trainingFile`), in order. */
function extractFiles(value: unknown, path: string, files: Array<[string, File]>): unknown {
  if (value instanceof File) {
    files.push([path, value]);
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => extractFiles(item, `${path}.${i}`, files));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, extractFiles(item, `${path}.${key}`, files)]),
    );
  }
  return value;
}

/**
 * A multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec) carrying every
 * File in `variables`, its parts in the order the files appear; `onProgress` follows the upload, and
 * `signal` aborts it (the gateway then stops the work the request started).
 */
export function upload<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<R> {
  const files: Array<[string, File]> = [];
  const plain = extractFiles(variables, 'variables', files);
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: document.toString(), variables: plain }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
  files.forEach(([, file], i) => form.append(String(i), file, file.name));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', ENDPOINT);
    const headers = { ...credentialHeaders(loadCredentials()), ...providerHeaders() };
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('accept', 'application/graphql-response+json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    const aborted = () =>
      reject(new ApiError([{ message: 'The request was cancelled.', extensions: { code: 'ABORTED' } }]));
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onabort = aborted;
    xhr.onerror = () =>
      reject(new ApiError([{ message: 'The upload could not reach the gateway.', extensions: { code: 'NETWORK' } }]));
    xhr.onload = () => {
      try {
        onProgress(1);
        resolve(answer(JSON.parse(xhr.responseText)));
      } catch (error) {
        reject(
          error instanceof ApiError ? error : new ApiError([{ message: `The upload failed (HTTP ${xhr.status}).` }]),
        );
      }
    };
    xhr.send(form);
  });
}

let client: Client | null = null;

/**
 * The live connection as the pages show it: `connecting` until the first WebSocket is acknowledged,
 * `live` while it is open, `reconnecting` from its loss until a new one is acknowledged (retried for
 * minutes: reconnect-policy.ts), `lost` once the retries ran out (the subscriptions have ended then;
 * `resetSubscriptions` and subscribing again starts over).
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'lost';

let liveState: LiveState = 'connecting';
const liveListeners = new Set<(state: LiveState) => void>();

function setLiveState(state: LiveState): void {
  if (state === liveState) return;
  liveState = state;
  for (const listener of liveListeners) listener(state);
}

export function currentLiveState(): LiveState {
  return liveState;
}

/** Calls `listener` with each new state of the live connection; returns the way to stop. */
export function watchLiveState(listener: (state: LiveState) => void): () => void {
  liveListeners.add(listener);
  return () => liveListeners.delete(listener);
}

/** A subscription in progress; `interrupted` once its WebSocket was lost, until graphql-ws resent it on a new one. */
interface Active {
  interrupted: boolean;
  onResubscribed?(): void;
}
const active = new Set<Active>();

function wsClient(): Client {
  if (client) return client;
  const made: Client = createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`,
    lazy: true,
    retryAttempts: RETRY_ATTEMPTS,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
    shouldRetry,
    connectionParams: () => {
      const credentials = loadCredentials();
      const provider = loadProvider();
      return {
        ...(provider ? { provider } : {}),
        ...(credentials ? { authorization: `Bearer ${credentials.token}` } : {}),
        ...(credentials?.organizationId ? { organizationId: credentials.organizationId } : {}),
      };
    },
    on: {
      // graphql-ws sends its open subscriptions again on the new socket, right after this: each
      // interrupted one is told, so that its page drops what it showed and takes the fresh state.
      connected: () => {
        if (client !== made) return;
        setLiveState('live');
        for (const subscription of active) {
          if (!subscription.interrupted) continue;
          subscription.interrupted = false;
          subscription.onResubscribed?.();
        }
      },
      // A socket closed while subscriptions are open is a loss (graphql-ws retries); with none open,
      // the lazy client closed it itself.
      closed: () => {
        if (client !== made || active.size === 0) return;
        for (const subscription of active) subscription.interrupted = true;
        setLiveState('reconnecting');
      },
    },
  });
  client = made;
  return made;
}

/**
 * Drops the WebSocket (after the credentials or the provider changed, or to start again once the
 * connection was lost): the next subscription opens one with the current credentials.
 */
export function resetSubscriptions(): void {
  const old = client;
  client = null;
  void old?.dispose();
  setLiveState('connecting');
}

export interface Subscription {
  stop(): void;
}

/**
 * Subscribes; `onData` gets each event's data, `onError` the errors that end it (and, code NETWORK,
 * the loss of the connection once its retries ran out). `onResubscribed` is called when the
 * subscription was sent again on a new WebSocket after the old one was lost (a gateway restart):
 * what comes next is the whole current state again, and anything shown from before may be stale.
 * Stop with `stop()`.
 */
export function subscribe<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  handlers: {
    onData(data: R): void;
    onError(error: ApiError): void;
    onComplete?(): void;
    onResubscribed?(): void;
  },
): Subscription {
  // The retries of the old client ran out: a new subscription (the page's Reconnect) starts on a fresh one.
  if (liveState === 'lost') resetSubscriptions();
  const record: Active = { interrupted: false, onResubscribed: handlers.onResubscribed };
  active.add(record);
  const stop = wsClient().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) handlers.onError(new ApiError(result.errors as ApiProblem[]));
        else if (result.data) handlers.onData(result.data);
      },
      error: (error) => {
        active.delete(record);
        if (Array.isArray(error)) {
          handlers.onError(new ApiError(error as ApiProblem[]));
          return;
        }
        // Not the gateway's answer but the socket's: the retries ran out (or the gateway refused the protocol).
        setLiveState('lost');
        handlers.onError(
          new ApiError([{ message: 'The live connection to the gateway was lost.', extensions: { code: 'NETWORK' } }]),
        );
      },
      complete: () => {
        active.delete(record);
        handlers.onComplete?.();
      },
    },
  );
  return {
    stop: () => {
      active.delete(record);
      stop();
    },
  };
}
