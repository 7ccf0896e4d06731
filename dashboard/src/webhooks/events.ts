/** The webhook events as the register form offers them, each with what it means (schema.graphql's `WebhookEvent`). */
import type { WebhookEvent } from '../gql/graphql';

export const EVENT_TEXT: Record<WebhookEvent, string> = {
  JOB_CREATED: 'a job was created',
  JOB_RUNNING: 'a job started training',
  JOB_COMPLETED: 'a job finished',
  JOB_FAILED: 'a job stopped on an error',
  JOB_CANCELLED: 'a job was cancelled',
  JOB_STATUS_CHANGED: "any change of a job's status",
};

export const EVENTS = Object.keys(EVENT_TEXT) as WebhookEvent[];

/** `JOB_STATUS_CHANGED` → `Job status changed`. */
export const eventLabel = (event: string): string =>
  event.charAt(0) + event.slice(1).toLowerCase().replaceAll('_', ' ');
