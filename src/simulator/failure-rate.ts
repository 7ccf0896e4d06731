/**
 * SIMULATOR_FAILURE_RATE, declared once for both programs that read it, as SIMULATOR_JOB_SECONDS is
 * (job-seconds.ts): the standalone simulators (`npm run simulator`, main.ts) and the gateway's embedded
 * ones (src/config.ts), so that `npm start` can show a failed job too (a dashboard trial could not).
 */
import { z } from 'zod';

const RATE = 'must be a number from 0 to 1 (the share of new jobs that fail)';

export const SIMULATOR_FAILURE_RATE = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { message: RATE })
  .transform(Number)
  .pipe(z.number().min(0, { message: RATE }).max(1, { message: RATE }))
  .default(0)
  .describe(
    "Share of new jobs the simulator (the gateway's embedded ones, or `npm run simulator`) fails midway, " +
      'with a reason, from 0 to 1: to see a failed job without an account.',
  );
