/**
 * `npm run test:fast`: the inner loop. The unit and in-process specs only (a simulator and a gateway
 * on port 0 in the test's own process are in); left out is every spec that spawns a process or a
 * browser, needs Redis or a database (PostgreSQL, PGlite) or measures, and the two heaviest
 * in-process ones: see EXCLUDED. `npm test` still runs everything.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const EXCLUDED = [
  'test/live/**', // real sockets to gateway child processes, shutdown and failover timings
  'test/deploy/**', // the container and the compose file
  'test/bench/**', // the benchmark smoke run
  'test/browser/**', // Chromium
  'test/simulator/together/standalone.spec.ts', // `npm run simulator` as a child process
  'test/telemetry/startup-log.spec.ts', // the gateway as a child process
  // Heavy in-process specs, left to `npm test`: each takes several seconds on its own
  'test/gateway/body-limits.spec.ts', // 25 MB bodies over real HTTP, twice each
  'test/gateway/input-properties.spec.ts', // 2 × 1,000 generated operations through the whole gateway
  // Databases: PGlite (WebAssembly, seconds to open) and PostgreSQL
  'test/webhooks/store-*.spec.ts',
  // Redis
  'test/operations/rate-limit.spec.ts',
  'test/subscriptions/redis.spec.ts',
  'test/subscriptions/failover.spec.ts',
  'test/subscriptions/standby-recheck.spec.ts',
  'test/gateway/response-cache-redis.spec.ts',
];

export default defineConfig({ ...base, test: { ...base.test, exclude: [...EXCLUDED, 'node_modules/**'] } });
