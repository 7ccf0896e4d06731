/**
 * Files: the SDK's two-step upload (`POST /files` answers 302 with the upload URL in `Location` and
 * the new file's id in `X-Together-File-Id`; the client PUTs the bytes there; the file is then
 * checked and available), the one-step multipart `POST /files/upload`, and list, retrieve, delete,
 * content. A file that fails the checks is kept with `processing_status: INVALID_FORMAT` on the
 * two-step path (the client learns it by retrieving it) and refused with 400 on the one-step path (ours).
 */
import { randomUUID } from 'node:crypto';
import type { FileDeleteResponse } from 'together-ai/resources/files';
import { json, type Reply } from '../../reply.js';
import type { TogetherContext, TogetherDeps } from '../context.js';
import { invalidRequest, notFound, TogetherError } from '../errors.js';
import { checkFile, FILE_PURPOSES, fileTypeOf, isFilePurpose, type FileType } from '../file-checks.js';
import { UPLOAD_PATH_PREFIX } from '../links.js';
import type { AccountState, StoredFile } from '../store.js';
import { readMultipart, readRawBody } from '../upload-bodies.js';
import { wireFile, type WireFileList } from '../wire-file.js';

function newFile(fields: Record<string, string | undefined>, now: number): StoredFile {
  // The SDK sends the path it read the file from: the name is its last part (ours).
  const filename = fields['file_name']?.split(/[\\/]/).pop();
  if (filename === undefined || filename === '') throw invalidRequest('file_name is required.', 'file_name');
  const purpose = fields['purpose'] ?? 'fine-tune';
  if (!isFilePurpose(purpose))
    throw invalidRequest(
      `purpose must be one of ${FILE_PURPOSES.join(', ')}; got ${JSON.stringify(purpose)}.`,
      'purpose',
    );
  const fileType = (fields['file_type'] as FileType | undefined) ?? fileTypeOf(filename);
  if (fileType === undefined || fileTypeOf(`x.${fileType}`) === undefined) {
    throw invalidRequest(
      `File type must be jsonl, csv or parquet: ${JSON.stringify(filename)} has none of these extensions.`,
      'file_type',
    );
  }
  return { id: `file-${randomUUID()}`, filename, purpose, fileType, createdAt: now, content: null, check: null };
}

async function formFields(ctx: TogetherContext): Promise<Record<string, string>> {
  const fields = Object.fromEntries(ctx.url.searchParams);
  if (/application\/x-www-form-urlencoded/i.test(ctx.req.headers['content-type'] ?? '')) {
    const body = await readRawBody(ctx.req, 64 * 1024);
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) fields[key] ??= value;
  }
  return fields;
}

export async function startUpload(ctx: TogetherContext): Promise<Reply> {
  const file = newFile(await formFields(ctx), ctx.now);
  ctx.account.files.set(file.id, file);
  const { token } = ctx.deps.uploads.issue({ accountId: ctx.account.id, fileId: file.id }, ctx.now);
  return {
    status: 302,
    headers: { location: `${ctx.deps.origin()}${UPLOAD_PATH_PREFIX}${token}`, 'x-together-file-id': file.id },
  };
}

/** `PUT /__uploads/{token}`: the bytes of a file started with `POST /files`. Like a pre-signed URL, it needs no token. */
export async function completeUpload(
  req: TogetherContext['req'],
  token: string,
  deps: TogetherDeps,
  now: number,
): Promise<Reply> {
  const link = deps.uploads.lookup(token, now);
  if (link.kind === 'unknown') throw notFound('No such upload URL.');
  if (link.kind === 'expired')
    throw new TogetherError(
      410,
      'not_found_error',
      'The upload URL has expired: start the upload again with POST /v1/files.',
    );
  const file = deps.store.account(link.value.accountId).files.get(link.value.fileId);
  if (file === undefined) throw notFound('The file of this upload URL was deleted.');
  file.content = await readRawBody(req, deps.options.maxUploadBytes);
  file.check = checkFile(file.content, file.fileType, file.purpose);
  deps.uploads.revoke(token);
  return { status: 200, headers: { etag: `"${file.id}"` } };
}

export async function uploadMultipart(ctx: TogetherContext): Promise<Reply> {
  const { fields, file: part } = await readMultipart(ctx.req, ctx.deps.options.maxUploadBytes);
  if (part === null) throw invalidRequest('The multipart body has no part named "file".', 'file');
  const file = newFile({ ...fields, file_name: fields['file_name'] ?? part.filename }, ctx.now);
  const check = checkFile(part.content, file.fileType, file.purpose);
  if (!check.ok) throw invalidRequest(`Invalid file format: ${check.message}`, 'file');
  Object.assign(file, { content: part.content, check });
  ctx.account.files.set(file.id, file);
  return json(200, wireFile(file));
}

function findFile(account: AccountState, id: string): StoredFile {
  const file = account.files.get(id);
  if (file === undefined) throw notFound(`File ${JSON.stringify(id)} not found.`);
  return file;
}

export function listFiles(ctx: TogetherContext): Reply {
  const body = { data: [...ctx.account.files.values()].map(wireFile) } satisfies WireFileList;
  return json(200, body);
}

export const getFile = (ctx: TogetherContext): Reply =>
  json(200, wireFile(findFile(ctx.account, ctx.params['id'] ?? '')));

export function deleteFile(ctx: TogetherContext): Reply {
  const file = findFile(ctx.account, ctx.params['id'] ?? '');
  ctx.account.files.delete(file.id);
  return json(200, { id: file.id, deleted: true } satisfies FileDeleteResponse);
}

export function fileContent(ctx: TogetherContext): Reply {
  const file = findFile(ctx.account, ctx.params['id'] ?? '');
  if (file.content === null) throw invalidRequest(`File ${file.id} has no content yet: its upload has not finished.`);
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${file.filename.split('/').pop() ?? file.id}"`,
    },
    body: file.content,
  };
}
