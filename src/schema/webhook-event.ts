/** The `WebhookEvent` enum: what an endpoint subscribes to, and each delivery's event (the payload's `type`). */
import { WEBHOOK_EVENTS, type WebhookEventType } from '../webhooks/events.js';
import { builder } from './builder.js';

const EVENT_TEXT: Record<WebhookEventType, string> = {
  JOB_CREATED: 'A job was created (one that existed when the endpoint was registered is not new).',
  JOB_RUNNING: 'A job started training.',
  JOB_COMPLETED: 'A job finished; its adapter can be downloaded or exported.',
  JOB_FAILED: "A job stopped on an error (the payload's job carries it).",
  JOB_CANCELLED: 'A job was cancelled.',
  JOB_STATUS_CHANGED:
    "Any change of a job's status, with the status before " +
    '(`previousStatus`; null when the gateway did not see it: a job first seen past QUEUED).',
};

export const WebhookEventEnum = builder.enumType('WebhookEvent', {
  description:
    'An event a webhook endpoint can subscribe to. Each delivery carries one, with the job as the ' +
    'API shows it, its provider and a timestamp.',
  values: Object.fromEntries(
    WEBHOOK_EVENTS.map((event) => [event, { value: event, description: EVENT_TEXT[event] }]),
  ) as Record<WebhookEventType, { value: WebhookEventType; description: string }>,
});
