/**
 * An endpoint registered while its port was allowed, delivered to after the operator narrowed
 * WEBHOOK_ALLOWED_PORTS: the composition root's worker (buildWebhooks, from the settings) records
 * each attempt as failed with the refusal, for the owner to read, and connects to nothing. The
 * endpoint goes FAILING at the first refusal, saying why and what to do (the rolling-upgrade trial:
 * it stayed ACTIVE for the whole retry schedule, then said "no response"); the start warns of it, the
 * refusal logs at warn once and counts as `refused`; a redelivery is refused while the URL is; and
 * once its owner gives it a URL the policy allows, its pending delivery goes there at once. Without the
 * check at delivery, an endpoint registered before the list was narrowed (or before it existed) could
 * go on port-scanning through its attempts' errors, re-run at will with `redeliverWebhook`. The
 * dispatcher is handed in and connects nowhere, so that no packet would leave even were it reached.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildWebhooks } from '../../src/server/build-webhooks.js';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { checkEndpointUrl, parseEndpointUrl } from '../../src/webhooks/outbound/endpoint-url.js';
import { startWebhookReceiver } from '../harness/webhook-receiver.js';
import { eventually } from '../harness/stack.js';
import { NoConnections } from './no-connections.js';
import { describeOnBackends, freshOwner, newEndpoint, seenJob, silent } from './store-backends.js';

/** A logger whose lines (parsed) a spec reads. */
function capturedLogger() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** The gateway's metrics, and the value of `gateway_webhook_attempts_total` by outcome. */
function attemptMetrics() {
  const metrics = createGatewayMetrics({ processMetrics: false });
  const attempts = async (outcome: string) => {
    const key = `gateway_webhook_attempts_total{outcome="${outcome}"} `;
    const line = (await metrics.registry.metrics()).split('\n').find((each) => each.startsWith(key));
    return Number(line?.slice(key.length));
  };
  return { metrics, attempts };
}

const URL_ON_8080 = 'https://1.1.1.1:8080/x';
const REFUSAL_8080 =
  'https://1.1.1.1:8080/x: names port 8080; webhooks go to port 443 only, unless the host is listed in ' +
  'WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)';
const REASON_8080 =
  `Nothing is sent to this endpoint: this gateway's URL policy refuses its URL (${REFUSAL_8080}). Update the ` +
  "endpoint's url (updateWebhookEndpoint) to an https URL on a port of 443 (none named means 443), or ask the " +
  'operator; its pending deliveries are then sent, and failed ones can be redelivered.';

const URL_ON_8443 = 'https://8.8.8.8:8443/hook';

describeOnBackends('a stored endpoint whose port is no longer allowed', (suite) => {
  const store = suite.store();
  // Its log says when an endpoint's state changes.
  const storeLog = capturedLogger();
  const logged = suite.store({ logger: storeLog.logger });

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
  it('goes FAILING at the first refusal, warns, counts it refused, and delivers once its owner updates the url', async () => {
    // Registered before the upgrade that brought the port rule (any port then).
    const owner = freshOwner();
    const endpoint = await logged.createEndpoint(
      newEndpoint(owner, {
        url: URL_ON_8080,
        events: ['JOB_COMPLETED'],
        baseline: [{ jobId: 'job-2', status: 'running' }],
      }),
      10,
      new Date(),
    );
    const [delivery] = await logged.recordJob(endpoint, seenJob('job-2', 'completed'), new Date());
    const receiver = await startWebhookReceiver();
    const { logger, lines } = capturedLogger();
    const { metrics, attempts } = attemptMetrics();
    const settings = loadConfig({
      WEBHOOK_ALLOWED_PORTS: '443',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '1h',
    });
    const runtime = await buildWebhooks(settings, {
      logger,
      hubs: new Map(),
      metrics,
      now: Date.now,
      store: logged,
      deliver: true,
    });
    try {
      // The start names it (with any other stored endpoint the policy refuses) and the settings.
      const started = await eventually(
        async () => lines.find((line) => line.msg.startsWith('webhook endpoints whose stored URL')),
        15_000,
        'the start warning',
      );
      expect(started).toMatchObject({ level: 40, settings: ['WEBHOOK_ALLOWED_PORTS', 'WEBHOOK_ALLOWED_HOSTS'] });
      expect(started!.endpoints).toContain(endpoint.id);

      await eventually(
        async () => ((await logged.attempts(owner, delivery!.id)).length > 0 ? true : undefined),
        15_000,
        'the first attempt recorded',
      );
      // FAILING at once, saying why and what to do; the delivery keeps its retry schedule.
      expect(await logged.getEndpoint(owner, endpoint.id)).toMatchObject({
        state: 'failing',
        stateReason: REASON_8080,
      });
      const [pending] = (await logged.listDeliveries(owner, endpoint.id, 1, null)).deliveries;
      expect(pending).toMatchObject({ state: 'pending', attemptCount: 1 });
      expect(pending!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
      expect([await attempts('refused'), await attempts('failed')]).toEqual([1, 0]);
      const refusedLines = lines.filter((line) => line.msg.startsWith('webhook attempt refused by the URL policy'));
      expect(refusedLines).toMatchObject([
        { level: 40, endpointId: endpoint.id, error: `refused URL: ${REFUSAL_8080}` },
      ]);
      expect(storeLog.lines).toContainEqual(
        expect.objectContaining({ level: 40, msg: 'webhook endpoint is now FAILING', endpointId: endpoint.id }),
      );

      // A redelivery could not be sent either: refused, coded, until the URL is fixed.
      const urlRefusal = (url: string) => {
        const parsed = parseEndpointUrl(url, settings.webhooks!);
        return parsed.ok ? null : parsed.message;
      };
      await expect(logged.redeliver(owner, delivery!.id, new Date(), urlRefusal)).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', field: 'delivery', reason: 'URL_REFUSED' },
      });

      // The owner gives it a URL the policy allows: the pending delivery goes there at once.
      await logged.updateEndpoint(owner, endpoint.id, { url: receiver.url, credentials: { token: 't' } }, new Date());
      runtime!.worker!.kick();
      await eventually(async () => (receiver.deliveries.length > 0 ? true : undefined), 15_000, 'the delivery');
      expect(receiver.deliveries[0]!.headers['webhook-id']).toBe(delivery!.id);
      const [sent] = await eventually(
        async () => {
          const page = (await logged.listDeliveries(owner, endpoint.id, 1, null)).deliveries;
          return page[0]?.state === 'succeeded' ? page : undefined;
        },
        15_000,
        'the delivery recorded succeeded',
      );
      expect(sent).toMatchObject({ attemptCount: 2 });
      expect(await logged.getEndpoint(owner, endpoint.id)).toMatchObject({ state: 'active', stateReason: null });
      expect([await attempts('refused'), await attempts('delivered')]).toEqual([1, 1]);
    } finally {
      await runtime?.close();
      await receiver.close();
    }
  });

  it('says the refusal, not "no response", when the last retry is refused', async () => {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(
      newEndpoint(owner, {
        url: URL_ON_8080,
        events: ['JOB_COMPLETED'],
        baseline: [{ jobId: 'j', status: 'running' }],
      }),
      10,
      new Date(),
    );
    await store.recordJob(endpoint, seenJob('j', 'completed'), new Date());
    const nowhere = new NoConnections();
    const runtime = await buildWebhooks(loadConfig({ WEBHOOK_ALLOWED_PORTS: '443', WEBHOOK_RETRY_SCHEDULE: '1ms' }), {
      logger: silent,
      hubs: new Map(),
      metrics: null,
      now: Date.now,
      store,
      deliver: true,
      dispatcher: nowhere,
    });
    try {
      const [failed] = await eventually(
        async () => {
          const page = (await store.listDeliveries(owner, endpoint.id, 1, null)).deliveries;
          return page[0]?.state === 'failed' ? page : undefined;
        },
        15_000,
        'the delivery failed',
      );
      expect(await store.getEndpoint(owner, endpoint.id)).toMatchObject({
        state: 'failing',
        stateReason: `Delivery ${failed!.id} failed after 2 attempts, none sent. ${REASON_8080}`,
      });
      expect(nowhere.dispatched).toEqual([]);
    } finally {
      await runtime?.close();
    }
  });
});
