/**
 * At shutdown, queries still waiting for the upstream (behind a full connection pool, or sent and
 * slow) are answered, with their data or a coded error, within the grace period: before, the server
 * cut their connections after 2 s and the clients got a reset instead of an answer. A mutation still
 * waiting is answered last, just before the cut, with UPSTREAM_OUTCOME_UNKNOWN (a reset read as
 * "nothing happened" invited a second, billed job).
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { postGraphQL } from '../harness/http-client.js';
import { DEMO, eventually } from '../harness/stack.js';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ port: 0 });
});
afterAll(() => simulator.close());

describe('shutdown with queries waiting for the upstream', () => {
  it('answers each of them with a coded error within the grace period, none is cut', async () => {
    // One connection: the first query is sent (and hangs upstream), the others wait in the pool.
    const pool = new Agent({ connections: 1 });
    const client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, dispatcher: pool, deadlineMs: 60_000 });
    const composed = await gatewayOnClient(client, { listen: { drainMs: 300 } });
    const server = composed.server!;
    try {
      simulator.setFaults({ route: 'GET /jobs/{id}', latencyMs: 60_000 });
      simulator.resetStats();
      const answers = Array.from({ length: 4 }, (_, i) =>
        postGraphQL(server.url, 'query($id: ID!) { job(id: $id) { id } }', { id: `job-${i}` }, DEMO).then(
          (response) => response,
          (error: unknown) => ({ cut: String(error) }),
        ),
      );
      await eventually(
        () => (simulator.stats()['GET /jobs/{id}'] === 1 ? true : undefined),
        10_000,
        'the first query to reach the upstream',
      );

      await server.close();
      for (const answer of await Promise.all(answers)) {
        expect(answer).toMatchObject({
          status: 200,
          data: { job: null },
          errors: [
            {
              message: 'The gateway is shutting down and this request could not be answered in time: send it again.',
              extensions: { code: 'UPSTREAM_UNAVAILABLE' },
            },
          ],
        });
      }
    } finally {
      simulator.setFaults({});
      await composed.close();
      await client.close();
      await pool.destroy();
    }
  }, 30_000);

  it('answers a mutation still waiting, last, with UPSTREAM_OUTCOME_UNKNOWN rather than a cut', async () => {
    const client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 60_000 });
    const composed = await gatewayOnClient(client, { listen: { drainMs: 300 } });
    const server = composed.server!;
    try {
      simulator.setFaults({ route: 'POST /jobs/{id}/cancel', latencyMs: 60_000 });
      simulator.resetStats();
      const answer = postGraphQL(
        server.url,
        'mutation($id: ID!) { cancelJob(id: $id) { id } }',
        { id: 'job-x' },
        DEMO,
      ).then(
        (response) => response,
        (error: unknown) => ({ cut: String(error) }),
      );
      await eventually(
        () => (simulator.stats()['POST /jobs/{id}/cancel'] === 1 ? true : undefined),
        10_000,
        'the cancel to reach the upstream',
      );
      const closedAt = Date.now();
      await server.close();
      expect(await answer).toMatchObject({
        status: 200,
        data: null,
        errors: [{ extensions: { code: 'UPSTREAM_OUTCOME_UNKNOWN' } }],
      });
      const { errors } = (await answer) as { errors: Array<{ message: string }> };
      expect(errors[0]!.message).toMatch(/^The gateway is shutting down .* may or may not have been made/);
      // After the queries' 300 ms and most of their 2 s: the mutation was given the longest wait.
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1_500);
    } finally {
      simulator.setFaults({});
      await composed.close();
      await client.close();
    }
  }, 30_000);
});
