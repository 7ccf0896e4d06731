/**
 * Access: a subscriber joins a shared poller only after the upstream answered its own token for the
 * job; a refusal ends its stream with the coded error before any event, and nothing of another
 * organization's poller reaches it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpstreamError } from '../../src/upstream/errors.js';
import { codeOf, DEMO, OTHER, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

let stack: LiveStack;
beforeEach(async () => {
  stack = await startLiveStack();
});
afterEach(async () => {
  await stack.close();
});

describe('access check', () => {
  it('refuses another organization’s job with NOT_FOUND, and a token used for an organization not its own with FORBIDDEN', async () => {
    const hub = stack.hub();
    const job = await stack.createJob(DEMO);
    stack.at(job, 0.5);
    const owner = read(hub.watchJob(DEMO, job.id));
    await until(() => owner.events.length === 1, 'the owner’s first event');

    const otherOrg = read(hub.watchJob(OTHER, job.id));
    const wrongOrg = read(hub.watchJob({ token: OTHER.token, organizationId: DEMO.organizationId }, job.id));
    await Promise.all([otherOrg.finished, wrongOrg.finished]);

    expect(otherOrg.events).toEqual([]);
    expect(codeOf(otherOrg.ended)).toBe('NOT_FOUND');
    expect(wrongOrg.events).toEqual([]);
    expect(codeOf(wrongOrg.ended)).toBe('FORBIDDEN');
    expect(isUpstreamError((wrongOrg.ended as { error: unknown }).error)).toBe(true);
    expect(hub.pollerCount()).toBe(1);
    await owner.iterator.return?.();
  });

  it('refuses an unknown job and an unknown token before any event, creating no poller', async () => {
    const hub = stack.hub();
    const unknownJob = read(hub.watchJob(DEMO, 'no-such-job'));
    const unknownToken = read(hub.watchJob({ token: 'nope', organizationId: 'demo-org' }, 'no-such-job'));
    const listUnknownToken = read(hub.watchJobs({ token: 'nope', organizationId: 'demo-org' }));
    await Promise.all([unknownJob.finished, unknownToken.finished, listUnknownToken.finished]);
    expect(codeOf(unknownJob.ended)).toBe('NOT_FOUND');
    expect(codeOf(unknownToken.ended)).toBe('UNAUTHENTICATED');
    expect(codeOf(listUnknownToken.ended)).toBe('UNAUTHENTICATED');
    expect([unknownJob, unknownToken, listUnknownToken].flatMap((r) => r.events)).toEqual([]);
    expect(hub.pollerCount()).toBe(0);
    expect(hub.listPollerCount()).toBe(0);
  });

  it('keeps one list poller per organization: each tenant sees only its own jobs', async () => {
    const hub = stack.hub();
    const demoJob = await stack.createJob(DEMO);
    const otherJob = await stack.createJob(OTHER);
    const demo = read(hub.watchJobs(DEMO));
    const other = read(hub.watchJobs(OTHER));
    await until(() => demo.events.length > 0 && other.events.length > 0, 'first list events');
    expect(hub.listPollerCount()).toBe(2);
    stack.at(demoJob, 0.5);
    await until(
      () => demo.events.some((e) => e.job.id === demoJob.id && e.job.status === 'running'),
      'the demo job running',
    );
    await until(
      () => other.events.some((e) => e.job.id === otherJob.id && e.job.status === 'running'),
      'the other job running',
    );
    expect(demo.events.every((e) => e.job.id === demoJob.id)).toBe(true);
    expect(other.events.every((e) => e.job.id === otherJob.id)).toBe(true);
    await demo.iterator.return?.();
    await other.iterator.return?.();
    await until(() => hub.listPollerCount() === 0, 'no list poller');
  });
});
