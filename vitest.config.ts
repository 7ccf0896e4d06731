import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { chooseSeed } from './test/harness/property-seed.js';

// graphql 16 ships CJS and ESM side by side: Node resolves the CJS build for the libraries,
// Vite would pick the ESM one for test files, and two copies of graphql refuse each other's schemas.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// Property tests run on one seed per run, fresh unless FC_SEED gives it (test/harness/property-seed.ts).
const fcSeed = String(chooseSeed(process.env['FC_SEED']));
console.log(`fast-check seed ${fcSeed} (replay a run with FC_SEED=${fcSeed})`);

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.spec.ts'],
    // METRICS_PORT: every gateway process a spec starts (they inherit this environment) takes a free
    // metrics port, so that several at once do not contend for the default 9464.
    env: { FC_SEED: fcSeed, METRICS_PORT: '0' },
    setupFiles: ['test/harness/property-seed-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One module graph per worker, not one per spec file. With isolation on, every file paid again
    // for loading yoga, Pothos, undici, ioredis and the transformed src/ tree: more than half of the
    // suite's time, and about 80 % of its CPU. Sharing is safe because nothing in src/ keeps state
    // at module level (config, clock, client, pubsub and loaders are built by factories per test)
    // and no spec mocks modules, stubs globals or installs fake timers; checked by running the suite
    // in several shuffled file orders (`npx vitest run --sequence.shuffle.files`). So a new spec must
    // not rely on a fresh module graph either: it builds what it needs through the factories.
    isolate: false,
    // maxWorkers stays vitest's default (cores - 1, so one worker on a 2-core machine): the
    // real-socket specs (500 subscribers, shutdown) wait with deadlines and should not share the
    // cores with another spec file.
  },
});
