/**
 * The forms of a Hugging Face export's fields, applied alike by the gateway (before any call) and the
 * simulator: a user or organization name and a repository `user/repo` follow Hugging Face's repo-id
 * rule (huggingface_hub `validate_repo_id`: word characters, '-' and '.', starting and ending with a
 * word character, no '--' or '..', no '.git' suffix, at most 96 characters a part); an access token
 * is `hf_` followed by letters and digits (the seed's `hf_xxx`; real ones have 34).
 */

const NAME_PART = /^[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?$/;
export const MAX_HUGGING_FACE_NAME_LENGTH = 96;
const ACCESS_TOKEN = /^hf_[A-Za-z0-9]{30,}$/;

export const HUGGING_FACE_NAME_RULE = `letters, digits, '-', '_', '.'; at most ${MAX_HUGGING_FACE_NAME_LENGTH} characters`;
export const HUGGING_FACE_TOKEN_RULE = '"hf_" followed by at least 30 letters and digits';

export function isHuggingFaceName(part: string): boolean {
  return (
    part.length <= MAX_HUGGING_FACE_NAME_LENGTH && NAME_PART.test(part) && !part.includes('--') && !part.includes('..')
  );
}

export function isHuggingFaceRepositoryId(id: string): boolean {
  const [namespace, repo, ...rest] = id.split('/');
  return (
    rest.length === 0 &&
    namespace !== undefined &&
    repo !== undefined &&
    isHuggingFaceName(namespace) &&
    isHuggingFaceName(repo) &&
    !repo.endsWith('.git')
  );
}

export function isHuggingFaceAccessToken(token: string): boolean {
  return ACCESS_TOKEN.test(token);
}
