/**
 * Fair claims, on PostgreSQL and on PGlite: one endpoint's backlog, or one owner's many endpoints,
 * never take every slot. At most `perEndpoint` attempts in flight per endpoint, whichever instance
 * holds them (two stores on one database claiming at once included), in due order; at most
 * `perOwner` of one instance's attempts per owner; and owners served in turns, so that another
 * owner's delivery is in the first claim with room for it, however old the first owner's backlog.
 */
import { expect, it } from 'vitest';
import type { ClaimCaps, StoredEndpoint, WebhookOwner } from '../../src/webhooks/webhook-store.js';
import { at, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

const CAPS: ClaimCaps = { perEndpoint: 2, perOwner: 4 };
const LEASE_MS = 60_000;

describeOnBackends('fair webhook claims', (suite) => {
  const one = suite.store();
  const two = suite.store();
  const created: Array<{ owner: WebhookOwner; id: string }> = [];

  /** `count` endpoints of `owner`, each with `due` deliveries due from `from` (one a millisecond). */
  async function endpointsWithBacklog(owner: WebhookOwner, count: number, due: number, from: number) {
    const endpoints: StoredEndpoint[] = [];
    for (let e = 0; e < count; e++) {
      const endpoint = await one.createEndpoint(newEndpoint(owner, { events: ['JOB_CREATED'] }), 100, at(0));
      created.push({ owner, id: endpoint.id });
      for (let d = 0; d < due; d++)
        await one.recordJob(endpoint, seenJob(`job-${e}-${d}`, 'queued'), at(from + e * due + d));
      endpoints.push(endpoint);
    }
    return endpoints;
  }

  /** Deletes what the test made, so that the next one's claims see only its own deliveries. */
  async function cleanUp() {
    for (const { owner, id } of created.splice(0)) await one.deleteEndpoint(owner, id);
  }

  const countBy = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

  it('leases at most perEndpoint of an endpoint at once, oldest first, and the next when one ends', async () => {
    try {
      const [endpoint] = await endpointsWithBacklog(freshOwner(), 1, 5, 0);
      const first = await one.claimDue('instance-a', 16, LEASE_MS, at(100), CAPS);
      expect(first.map((c) => c.jobId)).toEqual(['job-0-0', 'job-0-1']);
      // Full: nothing more of it while both attempts are in flight, on this instance or another.
      expect(await one.claimDue('instance-a', 16, LEASE_MS, at(200), CAPS)).toEqual([]);
      expect(await two.claimDue('instance-b', 16, LEASE_MS, at(200), CAPS)).toEqual([]);
      // One attempt ends: the next delivery of the endpoint, in due order.
      await one.finishAttempt(first[0]!, { kind: 'delivered', responseCode: 200, durationMs: 5 }, at(300));
      const next = await two.claimDue('instance-b', 16, LEASE_MS, at(300), CAPS);
      expect(next.map((c) => [c.endpointId, c.jobId])).toEqual([[endpoint!.id, 'job-0-2']]);
      // Without caps (what only `limit` bounds), the rest of the backlog at once.
      expect((await two.claimDue('instance-b', 16, LEASE_MS, at(400))).map((c) => c.jobId)).toEqual([
        'job-0-3',
        'job-0-4',
      ]);
    } finally {
      await cleanUp();
    }
  });

  it('never has more than perEndpoint in flight when two instances claim at once', async () => {
    try {
      const endpoints = await endpointsWithBacklog(freshOwner(), 2, 6, 0);
      const claims = (
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 ? two : one).claimDue(`instance-${i % 4}`, 16, LEASE_MS, at(100), {
              perEndpoint: 2,
              perOwner: 16,
            }),
          ),
        )
      ).flat();
      const perEndpoint = countBy(claims.map((c) => c.endpointId));
      for (const endpoint of endpoints) expect(perEndpoint.get(endpoint.id) ?? 0).toBeLessThanOrEqual(2);
      expect(new Set(claims.map((c) => c.id)).size).toBe(claims.length);
    } finally {
      await cleanUp();
    }
  });

  it("serves owners in turns: another owner's newer delivery comes before the first owner's old backlog", async () => {
    try {
      const busy = freshOwner();
      const other = freshOwner();
      // The busy owner: 10 endpoints with 3 deliveries each, all due long before the other's one.
      await endpointsWithBacklog(busy, 10, 3, 0);
      const [otherEndpoint] = await endpointsWithBacklog(other, 1, 1, 50_000);
      const claims = await one.claimDue('instance-a', 3, LEASE_MS, at(60_000), { perEndpoint: 2, perOwner: 16 });
      expect(claims).toHaveLength(3);
      expect(claims.filter((c) => c.endpointId === otherEndpoint!.id)).toHaveLength(1);
    } finally {
      await cleanUp();
    }
  });

  it("leases at most perOwner of one instance's slots to one owner; the rest go to others", async () => {
    try {
      const busy = freshOwner();
      const other = freshOwner();
      const busyEndpoints = await endpointsWithBacklog(busy, 10, 3, 0);
      const [otherEndpoint] = await endpointsWithBacklog(other, 1, 1, 50_000);
      const busyIds = new Set(busyEndpoints.map((e) => e.id));
      const first = await one.claimDue('instance-a', 16, LEASE_MS, at(60_000), CAPS);
      expect(first.filter((c) => busyIds.has(c.endpointId))).toHaveLength(4);
      expect(first.filter((c) => c.endpointId === otherEndpoint!.id)).toHaveLength(1);
      // Its four attempts still in flight: none more of that owner on this instance…
      expect(await one.claimDue('instance-a', 16, LEASE_MS, at(61_000), CAPS)).toEqual([]);
      // …while another instance has its own slots, each endpoint still within its cap.
      const elsewhere = await two.claimDue('instance-b', 16, LEASE_MS, at(61_000), CAPS);
      expect(elsewhere).toHaveLength(4);
      const inFlight = countBy([...first, ...elsewhere].map((c) => c.endpointId));
      for (const id of busyIds) expect(inFlight.get(id) ?? 0).toBeLessThanOrEqual(2);
    } finally {
      await cleanUp();
    }
  });
});
