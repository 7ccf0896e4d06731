/**
 * An endpoint registered while its port was allowed, delivered to after the operator narrowed
 * WEBHOOK_ALLOWED_PORTS: the composition root's worker (buildWebhooks, from the settings) records
 * each attempt as failed with the refusal, for the owner to read, and connects to nothing. Without the
 * check at delivery, an endpoint registered before the list was narrowed (or before it existed) could
 * go on port-scanning through its attempts' errors, re-run at will with `redeliverWebhook`. The
 * dispatcher is handed in and connects nowhere, so that no packet would leave even were it reached.
 */
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildWebhooks } from '../../src/server/build-webhooks.js';
import { checkEndpointUrl } from '../../src/webhooks/outbound/endpoint-url.js';
import { eventually } from '../harness/stack.js';
import { NoConnections } from './no-connections.js';
import { describeOnBackends, freshOwner, newEndpoint, seenJob, silent } from './store-backends.js';

const URL_ON_8443 = 'https://8.8.8.8:8443/hook';

describeOnBackends('a stored endpoint whose port is no longer allowed', (suite) => {
  const store = suite.store();

  it('fails each attempt with the refusal as its error, and is never connected to', async () => {
    // Registered under the default ports (443, 8443).
    const before = loadConfig({}).webhooks!;
    expect(await checkEndpointUrl(URL_ON_8443, before)).toEqual({ ok: true, url: URL_ON_8443 });
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(
      newEndpoint(owner, {
        url: URL_ON_8443,
        events: ['JOB_COMPLETED'],
        baseline: [{ jobId: 'job-1', status: 'running' }],
      }),
      10,
      new Date(),
    );
    const [delivery] = await store.recordJob(endpoint, seenJob('job-1', 'completed'), new Date());

    // Then the operator allows 443 only, and the gateway restarts.
    const narrowed = loadConfig({ WEBHOOK_ALLOWED_PORTS: '443', WEBHOOK_RETRY_SCHEDULE: '1h' });
    const nowhere = new NoConnections();
    const runtime = await buildWebhooks(narrowed, {
      logger: silent,
      hubs: new Map(),
      metrics: null,
      now: Date.now,
      store,
      deliver: true,
      dispatcher: nowhere,
    });
    try {
      const attempts = await eventually(
        async () => {
          const recorded = await store.attempts(owner, delivery!.id);
          return recorded.length > 0 ? recorded : undefined;
        },
        15_000,
        'the attempt recorded',
      );
      expect(attempts).toMatchObject([
        {
          number: 1,
          outcome: 'failed',
          responseCode: null,
          error:
            'refused URL: https://8.8.8.8:8443/hook: names port 8443; webhooks go to port 443 only, unless the ' +
            'host is listed in WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)',
        },
      ]);
      expect(nowhere.dispatched).toEqual([]);
    } finally {
      await runtime?.close();
    }
  });
});
