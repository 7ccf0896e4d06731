/**
 * Checks a webhook endpoint's input before anything else runs (no upstream call, no store), every
 * problem at once in the shape of createJob's: the field's path, then the value and the rule. The
 * URL's form is checked here; whether its host may be called (https, public addresses, the allowed
 * hosts) is the URL policy's, asked afterwards (it resolves names). A URL holding a user name or a
 * password is refused without being repeated: that part is somebody's secret. So is a text that is
 * not an http(s) URL and holds an `@`, which may be a user name or password the parser could not set
 * apart. A description is free text but no control character (PostgreSQL refuses U+0000 in text,
 * and the others are trouble in a log line or a page), tab and line breaks apart.
 */
import { z } from 'zod';
import type { Problem } from '../../errors/input-problems.js';
import type { WebhookEventType } from '../../webhooks/events.js';
import { NOT_REPEATED, quotable } from '../../webhooks/outbound/endpoint-url.js';

export const MAX_URL_LENGTH = 2_048;
export const MAX_DESCRIPTION_LENGTH = 500;

export interface CreateEndpointArgs {
  url: string;
  events: WebhookEventType[];
  description?: string | null;
}

export interface UpdateEndpointArgs {
  id: string | number;
  /** A new URL, checked as at registration (its form here, the URL policy in the resolver). */
  url?: string | null;
  events?: WebhookEventType[] | null;
  enabled?: boolean | null;
  description?: string | null;
}

const shown = (value: string) =>
  value.length <= 200 ? JSON.stringify(value) : `a value of ${value.length} characters`;

const url = z.string().superRefine((value, ctx) => {
  const refuse = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (value.length > MAX_URL_LENGTH)
    return refuse(`${value.length} characters is more than the ${MAX_URL_LENGTH} a URL may have`);
  if (!URL.canParse(value))
    return refuse(
      quotable(value)
        ? `${shown(value)} is not an absolute URL such as https://example.com/hooks`
        : `is not an absolute URL such as https://example.com/hooks; ${NOT_REPEATED}`,
    );
  const parsed = new URL(value);
  if (parsed.username !== '' || parsed.password !== '')
    return refuse(
      'holds a user name or password, which would be sent to the endpoint and shown to everyone who ' +
        'lists it; the value is not repeated here (authenticate deliveries by their signature instead)',
    );
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    refuse(
      quotable(value)
        ? `${shown(value)} is not an https URL (${parsed.protocol.slice(0, -1)} is not a web protocol)`
        : `is not an https URL; ${NOT_REPEATED}`,
    );
});

// C0 controls but tab, line feed and carriage return; DEL; C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The first control character of a free text, as the id checks name one (guard-ids-and-names.ts). */
function controlProblem(value: string): string | null {
  const control = CONTROL.exec(value);
  if (!control) return null;
  const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `holds a control character (U+${code}) at position ${control.index}; a description may not`;
}

const events = z
  .array(z.string())
  .refine((list) => list.length > 0, { error: () => '[] names no event; subscribe to at least one' })
  .refine((list) => new Set(list).size === list.length, {
    error: (issue) => `${JSON.stringify(issue.input)} names an event more than once`,
  });

const description = z
  .string()
  .nullish()
  .superRefine((value, ctx) => {
    if (value == null) return;
    if (value.length > MAX_DESCRIPTION_LENGTH)
      return void ctx.addIssue({
        code: 'custom',
        message: `${value.length} characters is more than the ${MAX_DESCRIPTION_LENGTH} a description may have`,
      });
    const control = controlProblem(value);
    if (control !== null) ctx.addIssue({ code: 'custom', message: control });
  });

const createSchema = z.object({ url, events, description });
const updateSchema = z.object({ url: url.nullish(), events: events.nullish(), description });

/** A problem at `path` of the input: its field is the path, and the message starts with it. */
function problemsOf(result: z.ZodSafeParseResult<unknown>): Problem[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.filter((p) => typeof p !== 'number').join('.');
    return { field, message: `${field}: ${issue.message}` };
  });
}

export function createEndpointProblems(input: CreateEndpointArgs): Problem[] {
  return problemsOf(createSchema.safeParse(input));
}

export function updateEndpointProblems(input: UpdateEndpointArgs): Problem[] {
  return problemsOf(updateSchema.safeParse(input));
}

/** A blank description is none. */
export function descriptionOf(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' && value.trim() === '' ? null : value;
}
