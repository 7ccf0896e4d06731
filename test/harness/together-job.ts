/**
 * A Together job created through the gateway as a client does it: a CSV uploaded with `uploadFile`
 * (GraphQL multipart), then `createJob` on that file. Shared by the Together and webhook specs.
 */
import type { Gateway } from '../../src/server/gateway.js';

export const TOGETHER_CSV = [
  'prompt,answer',
  '"What is LoRA?","Low-rank adaptation."',
  '"What is an epoch?","A full pass."',
].join('\n');

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }';

async function post(gateway: Gateway, headers: Record<string, string>, body: BodyInit, json: boolean) {
  const response = await gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json',
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body,
  });
  const text = await response.text();
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
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({ query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }', variables: { file: null } }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new File([TOGETHER_CSV], `${name}.csv`, { type: 'text/csv' }));
  const fileId = (await post(gateway, headers, form, false)).uploadFile.id as string;
  const input = {
    name,
    baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
    files: { trainingFileId: fileId },
    hyperparameters,
  };
  const created = (await post(gateway, headers, JSON.stringify({ query: CREATE, variables: { i: input } }), true))
    .createJob;
  return { id: created.id as string, createdAt: new Date(created.createdAt as string) };
}
