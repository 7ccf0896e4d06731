/**
 * SIMULATOR_JOB_SECONDS, declared once for both programs that read it: the standalone simulator
 * (`npm run simulator`, main.ts) and the gateway's embedded one (src/config.ts). One parser, one
 * default, one meaning.
 *
 * 30 s for both: the setting exists for a person watching a job go from queued to completed (the
 * README's journey, a demo, a dashboard session), and half a minute shows every phase without a wait
 * that reads as a hang. Deployments that want a slower pace (compose.yaml: 120) set it.
 * `startSimulator`'s own `jobSeconds` option keeps its 120 s default: that is the library's, for the
 * code that calls it, not this environment setting.
 */
import { z } from 'zod';

const SECONDS = 'must be a number of seconds greater than 0';

export const SIMULATOR_JOB_SECONDS = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { message: SECONDS })
  .transform(Number)
  .pipe(z.number().positive({ message: SECONDS }))
  .default(30)
  .describe(
    "Pace of the simulator (the gateway's embedded one, or `npm run simulator`): seconds from a job's creation to its completion.",
  );
