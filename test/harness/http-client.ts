/** Talks to a running gateway over real HTTP, as a frontend or curl would. */
import { headersFor, type GraphQLResponse } from './stack.js';
import type { Credentials } from '../../src/upstream/types.js';

export async function postGraphQL<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  creds?: Credentials | null,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(creds ? headersFor(creds) : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A GraphQL multipart request uploading `content` as the `$file` variable of `uploadFile`. */
export async function uploadCsv(
  url: string,
  filename: string,
  content: string | Uint8Array<ArrayBuffer>,
  creds?: Credentials | null,
  type = 'text/csv',
): Promise<GraphQLResponse> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query:
        'mutation($file: Upload!) { uploadFile(file: $file) { id name bytes columns { name type sampleValues } } }',
      variables: { file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([content], { type }), filename);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: creds ? headersFor(creds) : {},
    body: form,
  });
  return { status: response.status, ...((await response.json()) as object) };
}
