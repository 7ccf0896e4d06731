/**
 * The embedded database's own key (DATA_DIR/webhook.key) when WEBHOOK_ENCRYPTION_KEY is unset: 32
 * random bytes as base64, created once with mode 0600 (never overwritten), read at every open after.
 * The key's bytes never reach a message: a bad file is named by its path and its length.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

const KEY_BYTES = 32;

/** The key in `path`; null when there is no such file; throws (naming the path) when it holds no key. */
export async function readKeyFile(path: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text)
    throw new Error(
      `${path} does not hold a key: ${KEY_BYTES} bytes as base64 expected (${text.length} characters read)`,
    );
  return key;
}

/** A new key written to `path` (mode 0600); fails when the file exists, so a key is never replaced. */
export async function createKeyFile(path: string): Promise<Buffer> {
  const key = randomBytes(KEY_BYTES);
  await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
