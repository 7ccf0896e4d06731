/**
 * The dashboard's only way to the gateway: its public GraphQL API on the same origin. Queries and
 * mutations over HTTP, uploads as GraphQL multipart requests through XMLHttpRequest (for its upload
 * progress events), subscriptions over graphql-ws on one shared WebSocket.
 */
import { createClient, type Client } from 'graphql-ws';
import { credentialHeaders, loadCredentials } from './credentials';
import type { TypedDocumentString } from './gql/graphql';
import { loadProvider, providerHeaders } from './provider';

export interface ApiProblem {
  message: string;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

/** A GraphQL answer with errors: every problem, each with its code and (for input problems) field. */
export class ApiError extends Error {
  constructor(readonly problems: ApiProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
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

function wsClient(): Client {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`,
    lazy: true,
    retryAttempts: 20,
    connectionParams: () => {
      const credentials = loadCredentials();
      const provider = loadProvider();
      return {
        ...(provider ? { provider } : {}),
        ...(credentials ? { authorization: `Bearer ${credentials.token}` } : {}),
        ...(credentials?.organizationId ? { organizationId: credentials.organizationId } : {}),
      };
    },
  });
  return client;
}

/** Drops the WebSocket (after the credentials or the provider changed): the next subscription opens one with the new ones. */
export function resetSubscriptions(): void {
  void client?.dispose();
  client = null;
}

export interface Subscription {
  stop(): void;
}

/** Subscribes; `onData` gets each event's data, `onError` the errors that end it. Stop with `stop()`. */
export function subscribe<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  handlers: { onData(data: R): void; onError(error: ApiError): void; onComplete?(): void },
): Subscription {
  const stop = wsClient().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) handlers.onError(new ApiError(result.errors as ApiProblem[]));
        else if (result.data) handlers.onData(result.data);
      },
      error: (error) => {
        const problems = Array.isArray(error)
          ? (error as ApiProblem[])
          : [{ message: 'The live connection to the gateway was lost.', extensions: { code: 'NETWORK' } }];
        handlers.onError(new ApiError(problems));
      },
      complete: () => handlers.onComplete?.(),
    },
  );
  return { stop };
}
