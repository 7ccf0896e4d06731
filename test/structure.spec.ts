/**
 * The layering rules of the house style, checked from the import statements of src (type-only
 * imports count: they are knowledge too). Read with TypeScript's own scanner, so comments and strings
 * never count as imports.
 *
 * - `src/schema` and `src/resolvers` import nothing from `src/server` (the transport layer).
 * - No folder cycle: no top-level folder of src imports, directly or through others, one that
 *   imports it back.
 * - The simulator and the upstream client share no code but the contract's rules: neither imports
 *   the other, and no folder other than `src/contract` is reached from both.
 * - The live-update engine (`src/live`) sits below GraphQL and the transports: it imports no
 *   `graphql` (nor yoga), no `ws`, no `node:http`/`node:https`/`node:net`, and no gateway
 *   configuration (`src/config.ts`, `src/env-values.ts`) or server code: what it needs is handed to it.
 *
 * Length is budgeted per function, not per file: ESLint's `max-lines-per-function` in
 * eslint.config.js (run by `npm test`), with the functions over it named there with their reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `src/a/b.ts` → `a`; a file directly in src is its own unit (`config.ts`). */
const folderOf = (file: string): string => relative(SRC, file).split(sep)[0]!;
const repoPath = (file: string): string => relative(ROOT, file).split(sep).join('/');

interface Import {
  from: string;
  to: string;
}

const files = tsFiles(SRC);
const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));

/** Every relative import inside src, resolved to the file it names (`./x.js` → `./x.ts`). */
const imports: Import[] = files.flatMap((file) =>
  ts
    .preProcessFile(sources.get(file)!, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ from: file, to: resolve(dirname(file), specifier).replace(/\.js$/, '.ts') }))
    .filter(({ to }) => !relative(SRC, to).startsWith('..')),
);

/** Folder → the folders its files import, with one importing file per edge for the messages. */
const folderEdges = new Map<string, Map<string, string>>();
for (const { from, to } of imports) {
  const [a, b] = [folderOf(from), folderOf(to)];
  if (a === b) continue;
  if (!folderEdges.has(a)) folderEdges.set(a, new Map());
  if (!folderEdges.get(a)!.has(b)) folderEdges.get(a)!.set(b, `${repoPath(from)} → ${repoPath(to)}`);
}

function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    for (const next of folderEdges.get(stack.pop()!)?.keys() ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

describe('structure of src', () => {
  it('reads the imports (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(folderEdges.get('server')?.has('schema')).toBe(true);
  });

  it('src/schema and src/resolvers import nothing from src/server', () => {
    const offending = imports
      .filter(({ from, to }) => ['schema', 'resolvers'].includes(folderOf(from)) && folderOf(to) === 'server')
      .map(({ from, to }) => `${repoPath(from)} → ${repoPath(to)}`);
    expect(offending).toEqual([]);
  });

  it('has no folder cycle: no folder imports one that imports it back', () => {
    const cycles: string[] = [];
    for (const [a, targets] of folderEdges) {
      for (const [b, via] of targets) {
        if (a < b && folderEdges.get(b)?.has(a)) cycles.push(`${a} ⇄ ${b}: ${via}; ${folderEdges.get(b)!.get(a)}`);
        else if (reachable(b).has(a) && !folderEdges.get(b)?.has(a)) cycles.push(`${a} → ${b} → … → ${a}: ${via}`);
      }
    }
    expect(cycles).toEqual([]);
  });

  it('the live-update engine imports no GraphQL, no transport and no configuration', () => {
    const banned = /^(graphql|graphql-yoga|graphql-ws|@graphql-yoga\/.*|@envelop\/.*|ws|node:(http|https|net|tls))$/;
    const offending = files
      .filter((file) => folderOf(file) === 'live')
      .flatMap((file) =>
        ts
          .preProcessFile(sources.get(file)!, true, true)
          .importedFiles.map((f) => f.fileName)
          .filter((specifier) => {
            if (banned.test(specifier)) return true;
            if (!specifier.startsWith('.')) return false;
            const target = relative(SRC, resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
            return ['config.ts', 'env-values.ts'].includes(target) || target.startsWith(`server${sep}`);
          })
          .map((specifier) => `${repoPath(file)} → ${specifier}`),
      );
    expect(files.some((file) => folderOf(file) === 'live')).toBe(true);
    expect(offending).toEqual([]);
  });

  it('the simulator and the upstream client share no code but the contract', () => {
    expect(folderEdges.get('simulator')?.get('upstream')).toBeUndefined();
    expect(folderEdges.get('upstream')?.get('simulator')).toBeUndefined();
    const fromSimulator = reachable('simulator');
    const shared = [...reachable('upstream')].filter((folder) => fromSimulator.has(folder) && folder !== 'contract');
    expect(shared).toEqual([]);
  });
});
