/**
 * Result files are committed and read on other machines, so a path in them is written relative to
 * the repository when it lies inside it. A path elsewhere keeps only what means something to a
 * reader: from the top-level folder on when it is in another checkout of this repository (an A/B
 * run on a copy), else its last segment (a scratch folder's place names the writer's machine only).
 */
import { basename, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function portablePath(path: string, root: string = REPO_ROOT): string {
  const absolute = path.startsWith('file://') ? fileURLToPath(path) : path;
  if (!isAbsolute(absolute)) return path;
  const inRepo = relative(root, absolute);
  if (inRepo === '') return '.';
  if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) return inRepo.split(sep).join('/');
  const checkout = /\/((?:src|dist|bench|test|scripts)\/.+)$/.exec(absolute);
  return checkout ? checkout[1]! : basename(absolute);
}

/** A command line with each absolute path in it (or `file:` URL, or `--flag=/path` value) made portable. */
export function portableCommand(command: string, root: string = REPO_ROOT): string {
  return command.replace(
    /(^|[\s='"])((?:file:\/\/)?\/[^\s'"]*)/g,
    (_, before: string, path: string) => `${before}${portablePath(path, root)}`,
  );
}
