/**
 * The gateway's settings: one zod schema, the environment variables (config-variables.ts, each with
 * its default and description) transformed into the nested configuration the composition root
 * hands out (`Settings`, inferred from the schema: no hand-written twin). A bad value stops start-up
 * with a message naming the variable. docs/configuration.md is generated from the same schema
 * (`npm run docs:config`), and a test fails when the two disagree.
 */
import type { z } from 'zod';
import { ConfigError, configErrorMessage } from './config-error.js';
import { toSettings } from './config-settings.js';
import { settingVariables } from './config-variables.js';

export { ConfigError, settingVariables };

/** The environment read into the nested settings; rules across variables are checked on the way. */
export const settingsSchema = settingVariables
  .superRefine((e, ctx) => {
    const whole = (message: string) => ctx.addIssue({ code: 'custom', message, params: { whole: true } });
    if (e.GATEWAY_SINGLE_TENANT && e.NSCALE_API_URL && (!e.NSCALE_API_TOKEN || !e.NSCALE_ORGANIZATION_ID))
      whole('GATEWAY_SINGLE_TENANT=true needs NSCALE_API_TOKEN and NSCALE_ORGANIZATION_ID');
    if (e.GATEWAY_SINGLE_TENANT && e.TOGETHER_API_URL && !e.TOGETHER_API_KEY)
      whole('GATEWAY_SINGLE_TENANT=true needs TOGETHER_API_KEY (with TOGETHER_API_URL)');
    if (e.GATEWAY_SINGLE_TENANT && !e.NSCALE_API_URL && !e.TOGETHER_API_URL)
      whole(
        'GATEWAY_SINGLE_TENANT=true needs NSCALE_API_URL or TOGETHER_API_URL (the embedded simulators always serve their demo tenant)',
      );
    if (e.REDIS_MESSAGE_SECRET_ACCEPTED && !e.REDIS_MESSAGE_SECRET)
      whole('REDIS_MESSAGE_SECRET_ACCEPTED needs REDIS_MESSAGE_SECRET (the secret this instance signs with)');
    if (e.REDIS_MESSAGE_SECRET_ACCEPTED && e.REDIS_MESSAGE_SECRET_ACCEPTED === e.REDIS_MESSAGE_SECRET)
      whole(
        'REDIS_MESSAGE_SECRET_ACCEPTED is REDIS_MESSAGE_SECRET: set it to the other secret of a rotation, or unset it',
      );
    if (e.RESPONSE_CACHE_ENABLED && e.RESPONSE_CACHE_STORE === 'redis' && !e.REDIS_URL)
      whole('RESPONSE_CACHE_STORE=redis needs REDIS_URL');
  })
  .transform(toSettings);

export type Settings = z.output<typeof settingsSchema>;

/** The settings from `env` (the process's environment by default); throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Settings {
  // Empty strings count as unset, as shells and compose files often export `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(configErrorMessage(parsed.error.issues, env));
  return parsed.data;
}
