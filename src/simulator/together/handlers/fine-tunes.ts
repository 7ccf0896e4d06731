/**
 * `/fine-tunes`: create (200 with the truncated job, or 402 when the estimated price exceeds the
 * balance left), list (every job of the account, unpaged, oldest first), retrieve, cancel and delete.
 */
import { randomUUID } from 'node:crypto';
import type { FineTuningDeleteResponse, FineTuningListResponse } from 'together-ai/resources/fine-tuning';
import { unitHash } from '../../ids.js';
import { json, type Reply } from '../../reply.js';
import { readJsonBody } from '../../request-body.js';
import { availableBalance, chargeOf } from '../balance.js';
import type { TogetherContext } from '../context.js';
import { resolveSettings } from '../create-rules.js';
import { invalidRequest, notFound, TogetherError } from '../errors.js';
import { jobStateAt, plannedFailure, TERMINAL } from '../job-lifecycle.js';
import { planJob } from '../job-plan.js';
import type { AccountState, StoredJob } from '../store.js';
import { wireJob, wireJobTruncated } from '../wire-job.js';

const usd = (value: number): string => `$${value.toFixed(value < 1 ? 6 : 2)}`;

function insufficientBalance(price: number, available: number): TogetherError {
  const message =
    `Insufficient balance: the estimated price of this fine-tuning job (${usd(price)}) exceeds your ` +
    `available balance (${usd(Math.max(0, available))}). Add credits to your account to proceed.`;
  return new TogetherError(402, 'credit_limit', message, { code: 'insufficient_balance' });
}

export async function createFineTune(ctx: TogetherContext): Promise<Reply> {
  const { account, now, deps } = ctx;
  const settings = resolveSettings(await readJsonBody(ctx.req), account, now);
  const id = `ft-${randomUUID()}`;
  const plan = await planJob(id, settings);
  const available = availableBalance(account, now);
  if (plan.price.total > available) throw insufficientBalance(plan.price.total, available);
  const durationMs = deps.options.jobSeconds * 1000;
  const failure = plannedFailure((salt) => unitHash(id, salt), durationMs, deps.options.failureRate);
  const job: StoredJob = {
    id,
    seq: deps.store.nextSeq(),
    userId: account.userId,
    settings,
    plan,
    createdAt: now,
    durationMs,
    failure,
    cancelRequestedAt: null,
  };
  account.jobs.set(id, job);
  return json(200, wireJobTruncated(job, now));
}

export function findJob(account: AccountState, id: string): StoredJob {
  const job = account.jobs.get(id);
  if (job === undefined) throw notFound(`Fine-tune job ${JSON.stringify(id)} not found.`);
  return job;
}

export function listFineTunes(ctx: TogetherContext): Reply {
  const jobs = [...ctx.account.jobs.values()].sort((a, b) => a.seq - b.seq);
  const body = { data: jobs.map((job) => wireJobTruncated(job, ctx.now)) } satisfies FineTuningListResponse;
  return json(200, body);
}

export const getFineTune = (ctx: TogetherContext): Reply =>
  json(200, wireJob(findJob(ctx.account, ctx.params['id'] ?? ''), ctx.now));

export function cancelFineTune(ctx: TogetherContext): Reply {
  const job = findJob(ctx.account, ctx.params['id'] ?? '');
  const status = jobStateAt(job, ctx.now).status;
  if (TERMINAL.has(status))
    throw invalidRequest(`Fine-tune job ${job.id} is ${status}: only a job that has not ended can be cancelled.`);
  job.cancelRequestedAt ??= ctx.now;
  return json(200, wireJobTruncated(job, ctx.now));
}

export function deleteFineTune(ctx: TogetherContext): Reply {
  const job = findJob(ctx.account, ctx.params['id'] ?? '');
  const status = jobStateAt(job, ctx.now).status;
  if (!TERMINAL.has(status))
    throw invalidRequest(`Fine-tune job ${job.id} is ${status}: cancel it, and delete it once it has ended.`);
  ctx.account.deletedCharges += chargeOf(job, ctx.now);
  ctx.account.jobs.delete(job.id);
  return json(200, { message: `Fine-tune job ${job.id} deleted.` } satisfies FineTuningDeleteResponse);
}
