/**
 * A job the store first sees past its initial status (created and moved between two polls, or while
 * its endpoint was off, paused or the database out of reach) did move, from a status nobody saw: it
 * sends JOB_STATUS_CHANGED from null beside JOB_CREATED and its status's event. Before the fix an
 * endpoint subscribed to JOB_STATUS_CHANGED alone never heard of it. Two instances recording that
 * first sight at once insert it once, under the id every instance derives; a job of the endpoint's
 * baseline, and a job first seen in its initial status, send it nothing.
 */
import { expect, it } from 'vitest';
import { deliveryId } from '../../src/webhooks/store/delivery-id.js';
import { T0, at, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

describeOnBackends('a job first seen past its start,', (suite) => {
  const one = suite.store();
  const two = suite.store();

  it('sends JOB_STATUS_CHANGED from null to an endpoint subscribed to it alone, once across instances', async () => {
    const owner = freshOwner();
    const endpoint = await one.createEndpoint(
      newEndpoint(owner, { events: ['JOB_STATUS_CHANGED'], baseline: [{ jobId: 'job-base', status: 'running' }] }),
      10,
      T0,
    );
    // The baseline's job, unchanged, and a job first seen as created: no move.
    expect(await one.recordJob(endpoint, seenJob('job-base', 'running'), at(1))).toEqual([]);
    expect(await one.recordJob(endpoint, seenJob('job-new', 'queued'), at(1))).toEqual([]);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? two : one).recordJob(endpoint, seenJob('job-late', 'cancelled'), at(2)),
      ),
    );
    const inserted = results.flat();
    expect(inserted.map((d) => [d.type, d.id])).toEqual([
      ['JOB_STATUS_CHANGED', deliveryId(endpoint.id, 'job-late', 'JOB_STATUS_CHANGED', null, 'cancelled')],
    ]);
    expect(JSON.parse(inserted[0]!.body)).toMatchObject({ previous: null, status: 'cancelled' });

    // The baseline's job moves later: from the status it had at registration.
    const moved = await two.recordJob(endpoint, seenJob('job-base', 'completed'), at(3));
    expect(moved.map((d) => JSON.parse(d.body))).toEqual([
      { type: 'JOB_STATUS_CHANGED', jobId: 'job-base', previous: 'running', status: 'completed' },
    ]);
    const listed = (await one.listDeliveries(owner, endpoint.id, 10, null)).deliveries;
    expect(listed.map((d) => [d.type, d.jobId])).toEqual([
      ['JOB_STATUS_CHANGED', 'job-base'],
      ['JOB_STATUS_CHANGED', 'job-late'],
    ]);
  });

  it('sends JOB_CREATED, JOB_STATUS_CHANGED and its own event to an endpoint of every event', async () => {
    const endpoint = await one.createEndpoint(newEndpoint(freshOwner()), 10, T0);
    const starting = await one.recordJob(endpoint, seenJob('job-starting', 'starting'), at(1));
    expect(starting.map((d) => d.type)).toEqual(['JOB_CREATED', 'JOB_STATUS_CHANGED']);
    const completed = await two.recordJob(endpoint, seenJob('job-completed', 'completed'), at(1));
    expect(completed.map((d) => d.type)).toEqual(['JOB_CREATED', 'JOB_STATUS_CHANGED', 'JOB_COMPLETED']);
    expect(completed.map((d) => JSON.parse(d.body).previous)).toEqual([null, null, null]);
  });
});
