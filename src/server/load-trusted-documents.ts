/**
 * Reads a trusted-documents file (`TRUSTED_DOCUMENTS_FILE`): a JSON object from each document's
 * SHA-256 (lower-case hex) to its text, as `npm run trusted-documents` writes it. Every hash is
 * checked against its document, so that a hand-edited file cannot list one operation and run another.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { sha256Hex } from './sha256-hex.js';

const fileSchema = z.record(
  z.string().regex(/^[0-9a-f]{64}$/, { message: 'keys must be SHA-256 hashes in lower-case hex' }),
  z.string().min(1),
);

/** Problems with the file, with its path and the offending hash in the message. */
export class TrustedDocumentsError extends Error {
  override readonly name = 'TrustedDocumentsError';
}

export async function loadTrustedDocuments(path: string): Promise<ReadonlyMap<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof SyntaxError ? 'not JSON' : 'unreadable');
    throw new TrustedDocumentsError(`TRUSTED_DOCUMENTS_FILE=${JSON.stringify(path)}: cannot read it (${why})`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TrustedDocumentsError(
      `TRUSTED_DOCUMENTS_FILE=${JSON.stringify(path)}: at ${JSON.stringify(issue.path.join('.'))}: ` +
        `${issue.message}; expected { "<sha256>": "<document>" }`,
    );
  }
  for (const [hash, document] of Object.entries(result.data)) {
    const actual = sha256Hex(document);
    if (actual !== hash) {
      throw new TrustedDocumentsError(
        `TRUSTED_DOCUMENTS_FILE=${JSON.stringify(path)}: the document listed under "${hash}" has the hash "${actual}"`,
      );
    }
  }
  return new Map(Object.entries(result.data));
}
