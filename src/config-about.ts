/**
 * How a setting is described: its zod schema carries the description (and, where the default is not a
 * plain value, how to show it), which docs/configuration.md is generated from (scripts/config-docs.ts).
 */
import type { z } from 'zod';

/** How docs/configuration.md shows a variable without a plain default value (`unset`, a rule). */
export interface SettingMeta {
  description: string;
  shownDefault?: string;
}

export const about = <T extends z.ZodType>(schema: T, description: string, shownDefault?: string): T =>
  schema.meta({ description, ...(shownDefault ? { shownDefault } : {}) } satisfies SettingMeta);
