/**
 * A Together job created through the gateway as a client does it: a CSV uploaded with `uploadFile`
 * (GraphQL multipart), then `createJob` on that file. Shared by the Together and webhook specs, with
 * the parts the specs make their own requests of: a Together caller's headers, one GraphQL operation
 * in-process (`yoga.fetch`), one GraphQL multipart request in-process (any operation, any files, as
 * any caller: Nscale's too), one upload, and the files they upload.
 */
import { expect } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { QA_CSV } from './fixtures.js';
import type { GraphQLResponse } from './stack.js';

export const TOGETHER_CSV = [
  'prompt,answer',
  '"What is LoRA?","Low-rank adaptation."',
  '"What is an epoch?","A full pass."',
].join('\n');

/** A Together caller's headers: the simulators' demo key, and `x-provider: together`. */
export const TOGETHER_HEADERS: Record<string, string> = {
  authorization: 'Bearer demo-token',
  'x-provider': 'together',
};

/** The Together simulator's small model, offered for every training method (src/simulator/together/models.ts). */
export const TOGETHER_MODEL = 'meta-llama/Llama-3.2-3B-Instruct';

/** Twenty preference rows (JSONL): a file Together trains with DPO only. */
export const PREFERENCE_JSONL = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({
    input: { messages: [{ role: 'user', content: `Say something kind about ${i}.` }] },
    preferred_output: [{ role: 'assistant', content: `${i} is a lovely number.` }],
    non_preferred_output: [{ role: 'assistant', content: `${i} is dull.` }],
  }),
).join('\n');

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }';

interface Answered {
  status: number;
  text: string;
}

/** Posts one GraphQL request in-process as `headers`: a JSON body (a string) or a multipart form. */
async function send(gateway: Gateway, headers: Record<string, string>, body: string | FormData): Promise<Answered> {
  const response = await gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json',
      ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** Runs one operation in-process as `headers` (a Together caller's by default): its status and its text as sent. */
export function gatewayAnswer(
  gateway: Gateway,
  query: string,
  variables?: object,
  headers: Record<string, string> = TOGETHER_HEADERS,
): Promise<Answered> {
  return send(gateway, headers, JSON.stringify({ query, variables }));
}

const parsed = ({ status, text }: Answered): GraphQLResponse => ({ status, ...(JSON.parse(text) as object) });

/** Runs one operation in-process as `headers` (a Together caller's by default): its status and its body. */
export async function gatewayGql(
  gateway: Gateway,
  query: string,
  variables?: object,
  headers?: Record<string, string>,
): Promise<GraphQLResponse> {
  return parsed(await gatewayAnswer(gateway, query, variables, headers));
}

export interface UploadOptions {
  /** Sent as `uploadFile`'s `csvColumns`, null too; left out of the operation when undefined. */
  csvColumns?: object | null;
  /** @default TOGETHER_HEADERS */
  headers?: Record<string, string>;
}

/**
 * The files of a multipart request, each at the path of the variable it fills (`variables.file`,
 * `variables.input.trainingFile`): sent as parts "0", "1", … in this order, under each File's name.
 */
export type FileParts = Record<string, File>;

function multipartAnswer(
  gateway: Gateway,
  headers: Record<string, string>,
  query: string,
  variables: object,
  files: FileParts,
): Promise<Answered> {
  const paths = Object.keys(files);
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables }));
  form.set('map', JSON.stringify(Object.fromEntries(paths.map((path, i) => [i, [path]]))));
  paths.forEach((path, i) => form.set(String(i), files[path]!));
  return send(gateway, headers, form);
}

/**
 * One GraphQL multipart request in-process as `headers` (a Together caller's by default): the
 * operation, its variables (a file's `null` in place), and `files` mapped to their paths; its status
 * and its body.
 */
export async function gatewayMultipart(
  gateway: Gateway,
  query: string,
  variables: object,
  files: FileParts,
  headers: Record<string, string> = TOGETHER_HEADERS,
): Promise<GraphQLResponse> {
  return parsed(await multipartAnswer(gateway, headers, query, variables, files));
}

function uploadAnswer(gateway: Gateway, file: File, options: UploadOptions): Promise<Answered> {
  const { csvColumns, headers = TOGETHER_HEADERS } = options;
  const [query, variables] =
    csvColumns === undefined
      ? ['mutation($file: Upload!) { uploadFile(file: $file) { id } }', { file: null }]
      : [
          'mutation($file: Upload!, $c: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $c) { id } }',
          { file: null, c: csvColumns },
        ];
  return multipartAnswer(gateway, headers, query, variables, { 'variables.file': file });
}

/** Uploads `file` through the gateway with `uploadFile` (GraphQL multipart): its status and its body. */
export async function gatewayUpload(
  gateway: Gateway,
  file: File,
  options: UploadOptions = {},
): Promise<GraphQLResponse> {
  return parsed(await uploadAnswer(gateway, file, options));
}

/** Uploads fixtures.ts's QA_CSV as a Together caller (`headers`) does, naming its prompt column (`question`). */
export const uploadQaCsv = (
  gateway: Gateway,
  headers: Record<string, string> = TOGETHER_HEADERS,
): Promise<GraphQLResponse> =>
  gatewayUpload(gateway, new File([QA_CSV], 'qa.csv', { type: 'text/csv' }), {
    csvColumns: { promptColumn: 'question' },
    headers,
  });

/** Uploads PREFERENCE_JSONL as a Together caller does, as `pairs.jsonl` with `csvColumns` null. */
export const uploadPreferenceJsonl = (gateway: Gateway): Promise<GraphQLResponse> =>
  gatewayUpload(gateway, new File([PREFERENCE_JSONL], 'pairs.jsonl'), { csvColumns: null });

/** The file id of an upload's answer, which holds no error. */
export function uploadedId(answer: GraphQLResponse): string {
  expect(answer.errors).toBeUndefined();
  return answer.data?.uploadFile.id as string;
}

/** An answer's data, or its text thrown whole when it holds errors. */
function dataOf({ text }: Answered): Record<string, any> {
  const parsed = JSON.parse(text) as { data?: Record<string, any> | null; errors?: unknown[] };
  if (parsed.errors) throw new Error(text);
  return parsed.data!;
}

/** Creates the job on Together's `headers` (`x-provider: together` and the key); its public id and creation time. */
export async function createTogetherJob(
  gateway: Gateway,
  headers: Record<string, string>,
  name: string,
  hyperparameters: Record<string, unknown> = { nEpochs: 2, batchSize: 8 },
): Promise<{ id: string; createdAt: Date }> {
  const file = new File([TOGETHER_CSV], `${name}.csv`, { type: 'text/csv' });
  const fileId = dataOf(await uploadAnswer(gateway, file, { headers })).uploadFile.id as string;
  const input = {
    name,
    baseModelId: TOGETHER_MODEL,
    files: { trainingFileId: fileId },
    hyperparameters,
  };
  const created = dataOf(await gatewayAnswer(gateway, CREATE, { i: input }, headers)).createJob;
  return { id: created.id as string, createdAt: new Date(created.createdAt as string) };
}
