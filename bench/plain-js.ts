/**
 * The reference servers run as plain JavaScript on `node`, not through tsx: a bare Node process is
 * what they stand for, in CPU and in memory. Their TypeScript is transpiled (types stripped, one
 * file at a time, with the project's own TypeScript) into node_modules/.cache/bench-http/, where
 * package imports (undici) still resolve to the project's node_modules.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';

/** Transpiles `files` (paths relative to bench/) and returns the directory that holds the .js files. */
export async function transpileToPlainJs(root: string, files: readonly string[]): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'bench-http');
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const source = await readFile(join(root, 'bench', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    await writeFile(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}
