/**
 * The webhook events, and which a job's move from one status to another sends. Pure: the watcher
 * (what a poll saw) and the store (what was sent before) decide around it.
 */
import type { JobStatus } from '../upstream/schemas.js';

export const WEBHOOK_EVENTS = [
  'JOB_CREATED',
  'JOB_RUNNING',
  'JOB_COMPLETED',
  'JOB_FAILED',
  'JOB_CANCELLED',
  'JOB_STATUS_CHANGED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

const ON_STATUS: Partial<Record<JobStatus, WebhookEventType>> = {
  running: 'JOB_RUNNING',
  completed: 'JOB_COMPLETED',
  failed: 'JOB_FAILED',
  cancelled: 'JOB_CANCELLED',
};

/**
 * The events a job's status move sends, in order. `previous` null: the job is new to the endpoint
 * (created after its baseline): JOB_CREATED, then its status's own event when it has one, so that a
 * receiver of JOB_COMPLETED alone learns of a job first seen completed. A move to another status:
 * JOB_STATUS_CHANGED and the new status's own event. No move: nothing.
 */
export function eventsOfMove(previous: JobStatus | null, current: JobStatus): WebhookEventType[] {
  const own = ON_STATUS[current];
  if (previous === null) return own ? ['JOB_CREATED', own] : ['JOB_CREATED'];
  if (previous === current) return [];
  return own ? ['JOB_STATUS_CHANGED', own] : ['JOB_STATUS_CHANGED'];
}
