/**
 * Checks a Hugging Face export before it reaches the upstream, every problem at once, in the shape of
 * createJob's: the user name, the repository `user/repo` and the access token's form
 * (contract/hugging-face.ts). The token is never quoted, not even when it is malformed: a malformed
 * token is still somebody's secret (or a secret pasted into the wrong field).
 */
import {
  HUGGING_FACE_NAME_RULE,
  HUGGING_FACE_TOKEN_RULE,
  isHuggingFaceAccessToken,
  isHuggingFaceName,
  isHuggingFaceRepositoryId,
} from '../contract/hugging-face.js';
import type { Problem } from '../errors/input-problems.js';

export interface ExportArgs {
  userId: string;
  accessToken: string;
  repositoryId: string;
}

export function exportInputProblems(input: ExportArgs): Problem[] {
  const problems: Problem[] = [];
  if (!isHuggingFaceName(input.userId)) {
    problems.push({
      field: 'userId',
      message: `userId: ${JSON.stringify(input.userId)} is not a Hugging Face user name (${HUGGING_FACE_NAME_RULE})`,
    });
  }
  return [...problems, ...repositoryAndTokenProblems(input, '')];
}

/** The repository id and the token of an export, under `prefix` (`huggingFaceExport.` in createJob). */
export function repositoryAndTokenProblems(
  input: Pick<ExportArgs, 'accessToken' | 'repositoryId'>,
  prefix: string,
): Problem[] {
  const problems: Problem[] = [];
  if (!isHuggingFaceAccessToken(input.accessToken)) {
    const field = `${prefix}accessToken`;
    problems.push({
      field,
      message: `${field}: not a Hugging Face access token (${HUGGING_FACE_TOKEN_RULE}); the value is not repeated here`,
    });
  }
  if (!isHuggingFaceRepositoryId(input.repositoryId)) {
    const field = `${prefix}repositoryId`;
    problems.push({
      field,
      message:
        `${field}: ${JSON.stringify(input.repositoryId)} is not a repository id of the form "user/repo" ` +
        `(each part: ${HUGGING_FACE_NAME_RULE}; no "--", "..", or ".git" suffix)`,
    });
  }
  return problems;
}
