/**
 * Whose token a shared poller uses: its subscribers' in turn; a subscriber's token leaves with it;
 * a token the upstream refuses ends that token's subscriptions only; a token's `exp` ends its
 * subscriptions with UNAUTHENTICATED.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf, DEMO, read, spyClient, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

let stack: LiveStack;
beforeEach(async () => {
  stack = await startLiveStack();
});
afterEach(async () => {
  await stack.close();
});

describe('token expiry', () => {
  it('ends every subscription of an expiring JWT with UNAUTHENTICATED, and only those', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    // The simulator's clock stays at the job's creation (queued), before the token's exp.
    const token = await stack.jwt('demo-org', Date.now() + 1_500);
    const expiring = { token, organizationId: 'demo-org' };
    const jobStream = read(hub.watchJob(expiring, job.id));
    const listStream = read(hub.watchJobs(expiring));
    const lasting = read(hub.watchJob(DEMO, job.id));
    await until(
      () => jobStream.events.length === 1 && listStream.events.length === 1 && lasting.events.length === 1,
      'first events',
    );

    await Promise.all([jobStream.finished, listStream.finished]);
    expect(codeOf(jobStream.ended)).toBe('UNAUTHENTICATED');
    expect(codeOf(listStream.ended)).toBe('UNAUTHENTICATED');
    expect(hub.listPollerCount()).toBe(0);
    expect(hub.pollerCount()).toBe(1);

    stack.at(job, 1.5);
    await lasting.finished;
    expect(lasting.statuses()).toEqual(['queued', 'completed']);
  });
});

describe('shared poller credentials', () => {
  it('polls with each subscriber’s token in turn, and with the others’ only once one leaves', async () => {
    const spy = spyClient(stack.client);
    const hub = stack.hub({ client: spy.client });
    const job = await stack.createJob();
    const jwt = { token: await stack.jwt('demo-org', Date.now() + 600_000), organizationId: 'demo-org' };
    const a = read(hub.watchJob(jwt, job.id));
    const b = read(hub.watchJob(DEMO, job.id));
    await until(() => a.events.length === 1 && b.events.length === 1, 'first events');

    spy.reset();
    await until(() => (spy.calls.get('getJob') ?? []).length >= 4, 'four polls');
    expect(new Set(spy.calls.get('getJob'))).toEqual(new Set([jwt.token, DEMO.token]));

    await a.iterator.return?.();
    await a.finished;
    spy.reset();
    stack.at(job, 0.5);
    await until(() => b.statuses().includes('running'), 'the running event');
    await until(() => (spy.calls.get('getJob') ?? []).length >= 3, 'three more polls');
    expect(new Set(spy.calls.get('getJob'))).toEqual(new Set([DEMO.token]));
    stack.at(job, 1.5);
    await b.finished;
    expect(b.ended).toEqual({ done: true });
  });

  it('ends only the subscriptions of a token refused while polling, and polls on with another', async () => {
    const spy = spyClient(stack.client);
    const hub = stack.hub({ client: spy.client });
    const job = await stack.createJob();
    // Valid for the hub's (wall) clock for ten minutes, but for the simulator only until its clock
    // passes 30 s after the job's creation: the upstream answers 401 while the hub still trusts it.
    const jwt = { token: await stack.jwt('demo-org', job.createdAt.getTime() + 30_000), organizationId: 'demo-org' };
    const a1 = read(hub.watchJob(jwt, job.id));
    const a2 = read(hub.watchJob(jwt, job.id));
    const b = read(hub.watchJob(DEMO, job.id));
    await until(() => [a1, a2, b].every((r) => r.events.length === 1), 'first events');

    stack.at(job, 0.5);
    await Promise.all([a1.finished, a2.finished]);
    expect(codeOf(a1.ended)).toBe('UNAUTHENTICATED');
    expect(codeOf(a2.ended)).toBe('UNAUTHENTICATED');
    // Until its token's turn came, a1 may have seen `running` polled with b's token: same organization.
    expect(a1.statuses()).not.toContain('completed');
    expect(hub.pollerCount()).toBe(1);

    await until(() => b.statuses().includes('running'), 'the running event for the remaining subscriber');
    stack.at(job, 1.5);
    await b.finished;
    expect(b.statuses()).toEqual(['queued', 'running', 'completed']);
  });
});
