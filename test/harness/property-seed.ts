/**
 * One fast-check seed per test run, for every property test (`fc.assert`) in every worker. It is
 * fresh each run, so CI explores new cases every time, and printed at the start of the run, so a
 * failure found by one run can be replayed: `FC_SEED=<seed> npx vitest run <spec>` (fast-check's own
 * failure message adds the seed and the path of the shrunk counterexample).
 *
 * Chosen here, once, by vitest.config.ts (the main process), and handed to the workers as `FC_SEED`,
 * where property-seed-setup.ts gives it to fast-check before each spec file.
 */
import { randomInt } from 'node:crypto';

/** `FC_SEED` when given (an integer), else a new random seed. */
export function chooseSeed(given: string | undefined): number {
  if (given === undefined || given === '') return randomInt(2 ** 31 - 1);
  if (!/^-?\d+$/.test(given.trim())) throw new Error(`FC_SEED=${JSON.stringify(given)}: must be an integer`);
  return Number(given);
}
