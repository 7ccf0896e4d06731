/**
 * No secret in the webhook store's log lines or errors, at trace level, on PostgreSQL and on PGlite:
 * every operation of the store is run (a failing query, a tampered value, a missing and a mismatched
 * key among them) with a logger at `trace` that keeps every line, and the lines and the errors' texts
 * are searched for the signing secrets, the upstream tokens and the key in every form they could take
 * (test/harness/secret-traces.ts), and for sealed values too. The lines themselves are checked to be there, so that a store that
 * logged nothing could not pass.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { sealValue } from '../../src/webhooks/seal.js';
import { tracesIn } from '../harness/secret-traces.js';
import { KEY, T0, at, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

describeOnBackends('webhook store log lines', (suite) => {
  const lines: string[] = [];
  const errors: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const owner = freshOwner();
  const input = newEndpoint(owner);
  const rotated = `whsec_${randomBytes(24).toString('base64')}`;
  const newCredentials = { token: `tok_${randomBytes(16).toString('hex')}`, organizationId: owner.ownerKey };
  const secrets = [
    input.signingSecret,
    rotated,
    input.credentials.token,
    newCredentials.token,
    KEY.toString('base64'),
    KEY.toString('hex'),
    KEY.toString('base64url'),
  ];
  const failure = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    errors.push(String(error), JSON.stringify(error), String((error as Error).stack));
  };

  const backend = suite.backend;
  const store = suite.store({ logger });

  it('runs every operation, failures included, and logs no secret', async () => {
    const endpoint = await store.createEndpoint(input, 10, T0);
    await store.listEndpoints(owner);
    await store.getEndpoint(owner, endpoint.id);
    await store.updateEndpoint(owner, endpoint.id, { credentials: newCredentials, events: input.events }, at(1));
    await store.rotateSecret(owner, endpoint.id, rotated, 60_000, at(2));
    expect((await store.watchedEndpoints(at(3))).find((e) => e.id === endpoint.id)?.signingSecrets).toEqual([
      rotated,
      input.signingSecret,
    ]);
    await store.signingSecrets(endpoint.id, at(3));
    await store.pauseEndpoint(endpoint.id, 'refused', at(4));
    await store.updateEndpoint(owner, endpoint.id, { enabled: true }, at(5));

    // First seen past its initial status: JOB_CREATED and JOB_STATUS_CHANGED.
    await store.recordJob(endpoint, seenJob('job-log', 'starting'), at(6));
    const claims = await store.claimDue('instance-log', 10, 60_000, at(7));
    expect(claims).toHaveLength(2);
    await store.finishAttempt(
      claims[0]!,
      { kind: 'failed', responseCode: 500, error: 'HTTP 500', durationMs: 3, retryAt: null },
      at(8),
    );
    await store.finishAttempt(claims[1]!, { kind: 'delivered', responseCode: 200, durationMs: 3 }, at(8));
    await store.finishAttempt(claims[1]!, { kind: 'delivered', responseCode: 200, durationMs: 3 }, at(9)); // lease lost
    const page = await store.listDeliveries(owner, endpoint.id, 1, null);
    await store.listDeliveries(owner, endpoint.id, 1, page.endCursor);
    await store.attempts(owner, claims[0]!.id);
    await store.redeliver(owner, claims[0]!.id, at(10));
    const [again] = await store.claimDue('instance-log', 10, 60_000, at(10));
    await store.finishAttempt(again!, { kind: 'gone', durationMs: 2 }, at(11));
    await store.endpointCount();

    // A query the database refuses (PostgreSQL text holds no NUL) while it carries sealed credentials.
    await failure(
      store.updateEndpoint(owner, endpoint.id, { description: 'a\u0000b', credentials: newCredentials }, at(12)),
    );
    // A cursor that is not one.
    await failure(store.listDeliveries(owner, endpoint.id, 1, 'bogus'));
    // The secret sealed under another key: the watcher's read fails.
    await backend.db
      .updateTable('webhook_endpoints')
      .set({ sealed_secret: sealValue(randomBytes(32), rotated, `webhook endpoint ${endpoint.id} signing secret`) })
      .where('id', '=', endpoint.id)
      .execute();
    await store.updateEndpoint(owner, endpoint.id, { enabled: true }, at(13));
    await failure(store.watchedEndpoints(at(14)));
    await failure(store.signingSecrets(endpoint.id, at(14)));
    // Without a key at all.
    const keyless = await backend.store({ key: null, logger });
    await failure(keyless.watchedEndpoints(at(15)));
    await failure(keyless.createEndpoint(newEndpoint(owner), 10, at(15)));
    await keyless.close();
    expect(await store.deleteEndpoint(owner, endpoint.id)).toBe(true);

    const text = lines.join('');
    for (const message of [
      'webhook store query',
      'webhook store query failed',
      'webhook endpoint created',
      'webhook endpoint updated',
      'webhook signing secret rotated',
      'webhook deliveries recorded',
      'webhook deliveries claimed',
      'webhook delivery attempt recorded',
      'webhook delivery attempt not recorded: its lease was lost',
      'webhook delivery redelivered',
      'webhook endpoint deleted',
    ])
      expect(text).toContain(`"msg":"${message}"`);
    expect(lines.filter((line) => line.includes('"level":10')).length).toBeGreaterThan(30);
    expect(errors.length).toBe(18);
    expect(tracesIn(text, secrets)).toEqual([]);
    expect(tracesIn(errors.join('\n'), secrets)).toEqual([]);
    // Nor a sealed value (a driver's error may carry the query's parameters).
    expect(text.match(/v1\.[\w-]{40,}/g)).toBeNull();
    expect(errors.join('\n').match(/v1\.[\w-]{40,}/g)).toBeNull();
  });
});
