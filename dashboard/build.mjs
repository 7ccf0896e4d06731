// Builds the dashboard into dist/dashboard/: the operations' types from schema.graphql (GraphQL Code
// Generator), then one bundle (esbuild) with the page and its styles. Nothing is fetched at run time
// from anywhere but the gateway itself. Run with `npm run build:dashboard`.
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { generate } from '@graphql-codegen/cli';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('../dist/dashboard/', import.meta.url));
process.chdir(root);

await generate({ ...JSON.parse(await readFile('dashboard/codegen.json', 'utf8')), silent: true }, true);
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: 'dashboard/src/main.tsx' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outdir: out,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
await cp('dashboard/index.html', `${out}index.html`);
console.log(`dashboard built into ${out}`);
