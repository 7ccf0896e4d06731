/**
 * `POST /jobs/{id}/exports/hugging-face`. The access token is checked for its form, hashed and
 * dropped: it is never stored, logged or echoed, not even in a refusal.
 */
import { createHash } from 'node:crypto';
import {
  HUGGING_FACE_TOKEN_RULE,
  isHuggingFaceAccessToken,
  isHuggingFaceName,
  isHuggingFaceRepositoryId,
} from '../../contract/hugging-face.js';
import type { Handler } from '../api-context.js';
import { failedPrecondition, invalidArgument, show } from '../api-error.js';
import { newId } from '../ids.js';
import { jobStateAt } from '../job-lifecycle.js';
import { json } from '../reply.js';
import { readJsonBody } from '../request-body.js';
import type { StoredExport } from '../store.js';
import { wireExport } from '../wire.js';
import { findJob } from './jobs.js';

function field(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${key}: required, a non-empty string`);
  return value;
}

export const exportToHuggingFace: Handler = async ({ req, org, params, now }) => {
  const job = findJob(org, params['id']);
  const body = await readJsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidArgument('request body must be a JSON object');
  const fields = body as Record<string, unknown>;

  const userId = field(fields, 'huggingface_user_id');
  if (!isHuggingFaceName(userId)) {
    throw invalidArgument(
      `huggingface_user_id: ${show(userId)} is not a Hugging Face user name (letters, digits, '-', '_', '.')`,
    );
  }
  const repositoryId = field(fields, 'huggingface_repository_id');
  if (!isHuggingFaceRepositoryId(repositoryId)) {
    throw invalidArgument(
      `huggingface_repository_id: ${show(repositoryId)} is not a repository id of the form "user/repo" ` +
        `(letters, digits, '-', '_', '.'; at most 96 characters each)`,
    );
  }
  const token = field(fields, 'huggingface_access_token');
  if (!isHuggingFaceAccessToken(token)) {
    throw invalidArgument(`huggingface_access_token: not a Hugging Face access token (${HUGGING_FACE_TOKEN_RULE})`);
  }

  const { status } = jobStateAt(job, now);
  if (status !== 'completed')
    throw failedPrecondition(`job ${job.id} is ${status}; only a completed job can be exported`);

  const record: StoredExport = {
    id: newId('exp'),
    jobId: job.id,
    repositoryId,
    userId,
    tokenSha256: createHash('sha256').update(token).digest('hex'),
    createdAt: now,
  };
  org.exports.set(record.id, record);
  return json(202, wireExport(record));
};
