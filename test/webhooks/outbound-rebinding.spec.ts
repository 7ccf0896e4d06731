/**
 * The check at every delivery (DNS rebinding): the dispatcher's connector resolves the endpoint's
 * name itself and refuses to connect when an address is not public, unless the host is allowed. A
 * name is made to resolve to the receiver on 127.0.0.1 through an injected lookup, as a rebinding
 * DNS server would make it; the receiver's connection count shows that nothing reached it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { checkEndpointUrl } from '../../src/webhooks/outbound/endpoint-url.js';
import type { ResolvedAddress, ResolveHost } from '../../src/webhooks/outbound/resolve-host.js';
import { sendWebhook, type WebhookMessage } from '../../src/webhooks/outbound/send-webhook.js';
import { AddressRefusedError, createWebhookDispatcher } from '../../src/webhooks/outbound/webhook-dispatcher.js';
import { newSigningSecret, startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';

const HOST = 'hooks.example.com';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  closers.push(() => started.close());
  return started;
}

/** A lookup answering `answer()` for HOST (read at each call), counting the calls. */
function rebindingLookup(answer: () => ResolvedAddress[]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    if (hostname !== HOST) throw Object.assign(new Error(`${hostname} unknown`), { code: 'ENOTFOUND' });
    return answer();
  };
  return Object.assign(lookup, { calls });
}

/** What the operator's log is told of each refused connection (the dispatcher's `onRefused`). */
let refusals: string[] = [];

function dispatcherWith(lookup: ResolveHost, allowedHosts: string[], ca?: string) {
  refusals = [];
  const dispatcher = createWebhookDispatcher({
    allowedHosts,
    attemptTimeoutMs: 2_000,
    lookup,
    ca,
    onRefused: (problem) => refusals.push(problem),
  });
  closers.push(() => dispatcher.close());
  return dispatcher;
}

/** What the endpoint's owner reads in the attempt: the name, not where it resolved. */
const NOT_PUBLIC = `refused address: ${HOST} resolves to an address that is not public (such as a loopback, private or link-local address)`;

/** The URL's port allowed (the receiver's, random), as an operator would list it: the address is what is checked. */
function message(url: string, overrides: Partial<WebhookMessage> & Pick<WebhookMessage, 'dispatcher'>): WebhookMessage {
  return {
    url,
    id: 'msg_rebind',
    timestamp: new Date(),
    body: '{"type":"JOB_RUNNING"}',
    signingSecrets: [newSigningSecret()],
    timeoutMs: 2_000,
    maxResponseBytes: 1024,
    allowedHosts: [],
    allowedPorts: [Number(new URL(url).port || 443)],
    ...overrides,
  };
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe('connect-time address check', () => {
  it('a name that was public at registration and resolves to 127.0.0.1 at delivery is refused at connect', async () => {
    const hook = await receiver();
    let answer = [v4('93.184.216.34')];
    const lookup = rebindingLookup(() => answer);
    const url = `https://${HOST}:${hook.port}/hook`;
    expect(await checkEndpointUrl(url, { allowedHosts: [], allowedPorts: [hook.port], lookup })).toEqual({
      ok: true,
      url,
    });

    answer = [v4('127.0.0.1')];
    const outcome = await sendWebhook(message(url, { dispatcher: dispatcherWith(lookup, []) }));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null, error: NOT_PUBLIC });
    expect(refusals).toEqual([`${HOST} resolves to 127.0.0.1, a loopback address`]);
    expect(lookup.calls).toEqual([HOST, HOST]);
    expect(hook.connections()).toBe(0);
  });

  it.each([
    [[v6('::1')], '::1, a loopback address'],
    [[v4('93.184.216.34'), v4('10.0.0.8')], '10.0.0.8, a private address'],
    [[v6('::ffff:7f00:1')], '::ffff:7f00:1, the IPv4-mapped form of 127.0.0.1, a loopback address'],
    [[v4('169.254.169.254')], '169.254.169.254, a cloud metadata address'],
  ])('%j at connect time is refused (%s, told the operator only)', async (answer, named) => {
    const hook = await receiver();
    const dispatcher = dispatcherWith(
      rebindingLookup(() => answer),
      [],
    );
    const outcome = await sendWebhook(message(`https://${HOST}:${hook.port}/hook`, { dispatcher }));
    expect(outcome).toMatchObject({ kind: 'failed', error: NOT_PUBLIC });
    expect(refusals).toEqual([`${HOST} resolves to ${named}`]);
    expect(hook.connections()).toBe(0);
  });

  it('the same lookup with the host allowed connects to the receiver: the lookup is what the socket uses', async () => {
    const secret = newSigningSecret();
    const hook = await receiver({ secrets: [secret] });
    const lookup = rebindingLookup(() => [v4('127.0.0.1')]);
    const dispatcher = dispatcherWith(lookup, [HOST]);
    const outcome = await sendWebhook(
      message(`http://${HOST}:${hook.port}/hook`, { dispatcher, allowedHosts: [HOST], signingSecrets: [secret] }),
    );
    expect(outcome).toMatchObject({ kind: 'delivered', responseCode: 200 });
    expect(hook.deliveries.map((d) => [d.headers.host, d.verifiedWith])).toEqual([[`${HOST}:${hook.port}`, [0]]]);
    expect(lookup.calls).toContain(HOST);
  });

  it('used on its own, the dispatcher refuses an address literal that is not public (Node skips lookup for those)', async () => {
    const hook = await receiver();
    const dispatcher = dispatcherWith(
      rebindingLookup(() => []),
      [],
    );
    const error = await request(hook.url, { dispatcher, method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as AddressRefusedError).problem).toBe('127.0.0.1 is a loopback address');
    expect(hook.connections()).toBe(0);
  });

  it('a name that does not resolve at delivery → failed "host does not resolve"', async () => {
    const dispatcher = dispatcherWith(
      rebindingLookup(() => []),
      [],
    );
    const outcome = await sendWebhook(message('https://gone.example.com/hook', { dispatcher }));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null, error: 'host does not resolve (ENOTFOUND)' });
  });
});

/** A self-signed certificate for HOST, made with openssl (null where openssl is missing). */
function certificateFor(host: string): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${host}`])
        .concat(['-addext', `subjectAltName=DNS:${host}`]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = certificateFor(HOST);

describe.skipIf(tls === null)('over https (openssl makes the receiver a certificate; skipped without openssl)', () => {
  it('delivers to an allowed name over TLS: the certificate is checked against the name, not the address', async () => {
    const secret = newSigningSecret();
    const hook = await receiver({ secrets: [secret], tls: tls! });
    const lookup = rebindingLookup(() => [v4('127.0.0.1')]);
    const url = `https://${HOST}:${hook.port}/hook`;
    const trusted = dispatcherWith(lookup, [HOST], tls!.cert);
    const delivered = await sendWebhook(
      message(url, { dispatcher: trusted, allowedHosts: [HOST], signingSecrets: [secret] }),
    );
    expect(delivered).toMatchObject({ kind: 'delivered', responseCode: 200 });
    expect(hook.deliveries[0]!.verifiedWith).toEqual([0]);

    const untrusted = dispatcherWith(lookup, [HOST]);
    const refused = await sendWebhook(message(url, { dispatcher: untrusted, allowedHosts: [HOST] }));
    expect(refused).toMatchObject({ kind: 'failed', responseCode: null });
    expect(refused.kind === 'failed' && refused.error).toMatch(/^TLS failed \(/);
    expect(hook.deliveries).toHaveLength(1);
  });

  it('refuses the same name when it is not allowed: no TCP connection, so no TLS handshake either', async () => {
    const hook = await receiver({ tls: tls! });
    const dispatcher = dispatcherWith(
      rebindingLookup(() => [v4('127.0.0.1')]),
      [],
      tls!.cert,
    );
    const outcome = await sendWebhook(message(`https://${HOST}:${hook.port}/hook`, { dispatcher }));
    expect(outcome).toMatchObject({ kind: 'failed', error: NOT_PUBLIC });
    expect(hook.connections()).toBe(0);
  });
});
