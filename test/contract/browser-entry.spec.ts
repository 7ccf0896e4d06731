/**
 * The contract's browser entry (`#contract/browser`, src/contract/browser.ts): the one module of src/
 * the dashboard's bundle reaches. Everything it pulls in stays inside src/contract and imports no Node
 * built-in and no package, so the browser applies the same rules as the gateway; and the dashboard
 * reaches src/ through that entry only, never by a relative path into it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(ROOT, 'src/contract/browser.ts');
const DASHBOARD = join(ROOT, 'dashboard/src');
const repoPath = (file: string): string => relative(ROOT, file).split(sep).join('/');

const specifiers = (file: string): string[] =>
  ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);

/** Every module the entry reaches, and every import that leaves src/contract or names a package. */
function closure(entry: string): { files: string[]; outside: string[] } {
  const files = new Set<string>([entry]);
  const outside: string[] = [];
  for (const file of files) {
    for (const specifier of specifiers(file)) {
      if (!specifier.startsWith('.')) {
        outside.push(`${repoPath(file)} imports ${specifier}`);
        continue;
      }
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (relative(join(ROOT, 'src/contract'), target).startsWith('..'))
        outside.push(`${repoPath(file)} → ${repoPath(target)}`);
      else files.add(target);
    }
  }
  return { files: [...files].map(repoPath), outside };
}

function dashboardFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'gql' ? [] : dashboardFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('the contract entry the dashboard shares', () => {
  it('is what package.json maps #contract/browser to', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      imports?: Record<string, string>;
    };
    expect(manifest.imports?.['#contract/browser']).toBe('./src/contract/browser.ts');
  });

  it('reaches only src/contract, with no Node built-in and no package', () => {
    const { files, outside } = closure(ENTRY);
    expect(files).toContain('src/contract/hyperparameters.ts');
    expect(outside).toEqual([]);
  });

  it('is the only way the dashboard reaches src/', () => {
    const reaching = dashboardFiles(DASHBOARD).flatMap((file) =>
      specifiers(file)
        .filter(
          (s) =>
            (s.startsWith('.') && relative(DASHBOARD, resolve(dirname(file), s)).startsWith('..')) || s.startsWith('#'),
        )
        .filter((s) => s !== '#contract/browser')
        .map((s) => `${repoPath(file)} imports ${s}`),
    );
    expect(dashboardFiles(DASHBOARD).length).toBeGreaterThan(10);
    expect(reaching).toEqual([]);
  });
});
