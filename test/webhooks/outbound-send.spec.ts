/**
 * sendWebhook against real receivers on 127.0.0.1 (listed in the allowed hosts, as an operator
 * lists a local receiver): what the receiver gets (Standard Webhooks headers verified with the
 * `standardwebhooks` package, nothing else), and how every answer or failure becomes an outcome:
 * 2xx, 410, 500, a receiver that never answers, an endless body, a redirect; and the URLs the policy
 * refuses at delivery (an address not allowed, a port no longer in WEBHOOK_ALLOWED_PORTS), never sent to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhook, type WebhookMessage } from '../../src/webhooks/outbound/send-webhook.js';
import { createWebhookDispatcher } from '../../src/webhooks/outbound/webhook-dispatcher.js';
import {
  newSigningSecret,
  startWebhookReceiver,
  verifiedWith,
  type WebhookReceiver,
} from '../harness/webhook-receiver.js';
import { NoConnections } from './no-connections.js';

const ALLOWED = ['127.0.0.1'];
/** WEBHOOK_ALLOWED_PORTS's default: the receivers' random ports pass because 127.0.0.1 is an allowed host. */
const PORTS = [443, 8443];
const TIMEOUT_MS = 400;
const body = JSON.stringify({
  type: 'JOB_COMPLETED',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: { job: { id: 'j1' } },
});

let dispatcher: Dispatcher;
const receivers: WebhookReceiver[] = [];

beforeAll(() => {
  dispatcher = createWebhookDispatcher({ allowedHosts: ALLOWED, attemptTimeoutMs: TIMEOUT_MS });
});
afterAll(() => dispatcher.close());
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  receivers.push(started);
  return started;
}

function message(url: string, secrets: string[], overrides: Partial<WebhookMessage> = {}): WebhookMessage {
  return {
    url,
    id: 'msg_2x7Yq0cM3v',
    timestamp: new Date(),
    body,
    signingSecrets: secrets,
    timeoutMs: TIMEOUT_MS,
    maxResponseBytes: 1024,
    allowedHosts: ALLOWED,
    allowedPorts: PORTS,
    dispatcher,
    ...overrides,
  };
}

/**
 * Writes a byte every 50 ms until the connection closes: never silent long enough for the dispatcher's
 * idle timeout between body bytes, and a kilobyte takes a minute and a half.
 */
function drip(res: ServerResponse): void {
  const timer = setInterval(() => res.write('.'), 50);
  res.once('close', () => clearInterval(timer));
}

/** Resolves when the response's connection has closed, telling how much was handed to it. */
function closing(res: ServerResponse): Promise<{ finished: boolean }> {
  return new Promise((resolve) => res.once('close', () => resolve({ finished: res.writableFinished })));
}

describe('sendWebhook: what the receiver gets', () => {
  it('a 2xx is delivered: one POST with the body as sent, signed so that standardwebhooks verifies it', async () => {
    const secret = newSigningSecret();
    const hook = await receiver({ secrets: [secret], respond: (res) => res.writeHead(204).end() });
    const sentAt = new Date();
    const outcome = await sendWebhook(message(hook.url, [secret], { timestamp: sentAt }));

    expect(outcome).toMatchObject({ kind: 'delivered', responseCode: 204 });
    expect(hook.deliveries).toHaveLength(1);
    const [delivery] = hook.deliveries;
    expect(delivery!.method).toBe('POST');
    expect(delivery!.body).toBe(body);
    expect(delivery!.verifiedWith).toEqual([0]);
    expect(delivery!.headers['webhook-id']).toBe('msg_2x7Yq0cM3v');
    expect(delivery!.headers['webhook-timestamp']).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['user-agent']).toMatch(/^fine-tuning-gateway/);
    expect(delivery!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('sends those headers and nothing else: no authorization, no cookie, no token of any kind', async () => {
    const hook = await receiver();
    await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(Object.keys(hook.deliveries[0]!.headers).sort()).toEqual([
      'connection',
      'content-length',
      'content-type',
      'host',
      'user-agent',
      'webhook-id',
      'webhook-signature',
      'webhook-timestamp',
    ]);
  });

  it('during a rotation, one v1 signature per secret: a receiver holding either secret verifies, another does not', async () => {
    const [current, previous, stranger] = [newSigningSecret(), newSigningSecret(), newSigningSecret()];
    const hook = await receiver({ secrets: [current, previous, stranger] });
    expect(await sendWebhook(message(hook.url, [current, previous]))).toMatchObject({ kind: 'delivered' });

    const signatures = String(hook.deliveries[0]!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(hook.deliveries[0]!.verifiedWith).toEqual([0, 1]);
  });

  it('a receiver that changed one byte of the body does not verify it', async () => {
    const secret = newSigningSecret();
    const hook = await receiver({ secrets: [secret] });
    await sendWebhook(message(hook.url, [secret], { body: '{"type":"JOB_FAILED"}' }));
    const { headers } = hook.deliveries[0]!;
    expect(verifiedWith([secret], '{"type":"JOB_FAILED"}', headers)).toEqual([0]);
    expect(verifiedWith([secret], '{"type":"JOB_FAILEd"}', headers)).toEqual([]);
  });
});

describe('sendWebhook: outcomes', () => {
  it('410 Gone → gone', async () => {
    const hook = await receiver({ respond: (res) => res.writeHead(410).end('endpoint removed') });
    expect(await sendWebhook(message(hook.url, [newSigningSecret()]))).toMatchObject({ kind: 'gone' });
  });

  it('500 → failed with the status and the start of the body, which never holds a signing secret', async () => {
    const secret = newSigningSecret();
    // A receiver echoing everything it got: the secret is not among it, since it is never sent.
    const hook = await receiver({
      respond: (res, delivery) => res.writeHead(500).end(`boom ${JSON.stringify(delivery.headers)} ${delivery.body}`),
    });
    const outcome = await sendWebhook(message(hook.url, [secret], { maxResponseBytes: 4096 }));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: 500 });
    expect(outcome.kind === 'failed' && outcome.error).toMatch(/^HTTP 500: boom \{"host"/);
    expect(JSON.stringify(outcome)).not.toContain(secret.slice('whsec_'.length));
  });

  it('a receiver that never answers → failed "timed out", and its connection is closed', async () => {
    let closed: Promise<unknown> | undefined;
    const hook = await receiver({
      respond: (res) => {
        closed = closing(res);
      },
    });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null, error: `timed out after ${TIMEOUT_MS} ms` });
    await expect(closed).resolves.toEqual({ finished: false });
  });

  it('the deadline covers the body too: headers then silence → failed with the status and what came', async () => {
    const hook = await receiver({
      respond: (res) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.write('partial answer');
      },
    });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({
      kind: 'failed',
      responseCode: 503,
      error: `HTTP 503: partial answer (body cut short: timed out after ${TIMEOUT_MS} ms)`,
    });
  });

  it('a 2xx whose body then drips is delivered once the body wait is over, long before the deadline', async () => {
    let closed: Promise<{ finished: boolean }> | undefined;
    const hook = await receiver({
      respond: (res) => {
        closed = closing(res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('accepted, more to come');
        drip(res);
      },
    });
    // A two-minute deadline: only the body wait can end this attempt within the spec's own timeout.
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()], { timeoutMs: 120_000, bodyWaitMs: 300 }));
    expect(outcome).toMatchObject({ kind: 'delivered', responseCode: 200 });
    // The slot is free and the receiver's connection closed, its body unfinished.
    expect(await closed).toEqual({ finished: false });
  }, 20_000);

  it('a failure whose body drips is recorded with what came within the body wait', async () => {
    const hook = await receiver({
      respond: (res) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.write('partial answer');
        drip(res);
      },
    });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()], { timeoutMs: 120_000, bodyWaitMs: 300 }));
    expect(outcome).toMatchObject({
      kind: 'failed',
      responseCode: 503,
      error: expect.stringMatching(/^HTTP 503: partial answer\.* \(body cut short: no more of it within 300 ms\)$/),
    });
  }, 20_000);

  it('bidirectional and C1 controls in the body are shown as U+FFFD, like other control characters', async () => {
    const hook = await receiver({
      respond: (res) => res.writeHead(500).end('refund\u202Edelayed\u2066ok\u2069 line\r\nnext\u0085\u200F!'),
    });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({
      kind: 'failed',
      responseCode: 500,
      error: 'HTTP 500: refund\uFFFDdelayed\uFFFDok\uFFFD line\r\nnext\uFFFD\uFFFD!',
    });
  });

  it.each([200, 500])(
    'an endless %i body is read up to maxResponseBytes, then the connection is closed',
    async (status) => {
      // 512 MiB offered, with time enough to read it all: only the cap stops the read early. What the
      // receiver could hand over before the close is bounded by the sockets' buffers (a few MiB).
      const total = 512 * 1024 * 1024;
      let sent = 0;
      let closed: Promise<{ finished: boolean }> | undefined;
      const hook = await receiver({
        respond: (res) => {
          closed = closing(res);
          res.writeHead(status, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'x');
          const pump = () => {
            while (sent < total) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
        },
      });
      const outcome = await sendWebhook(
        message(hook.url, [newSigningSecret()], { maxResponseBytes: 1024, timeoutMs: 20_000 }),
      );
      expect(await closed).toEqual({ finished: false });
      expect(sent).toBeLessThan(64 * 1024 * 1024);
      if (status === 200) {
        expect(outcome).toMatchObject({ kind: 'delivered', responseCode: 200 });
      } else {
        expect(outcome).toMatchObject({ kind: 'failed', responseCode: 500 });
        expect(outcome.kind === 'failed' && outcome.error).toBe(`HTTP 500: ${'x'.repeat(1024)}…`);
      }
    },
  );

  it.each([301, 302, 303, 307, 308])('a %i to 127.0.0.1 is not followed: the target gets nothing', async (status) => {
    const target = await receiver();
    const hook = await receiver({ respond: (res) => res.writeHead(status, { location: target.url }).end() });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({
      kind: 'failed',
      responseCode: status,
      error: `redirect not followed: ${status} to ${target.url}`,
    });
    expect(hook.deliveries).toHaveLength(1);
    expect(target.connections()).toBe(0);
  });

  it('a 304 is no redirect: a plain failure with its status', async () => {
    const hook = await receiver({ respond: (res) => res.writeHead(304).end() });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: 304, error: 'HTTP 304' });
  });

  it('a closed port → failed "connection refused"', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const outcome = await sendWebhook(message(`http://127.0.0.1:${port}/hook`, [newSigningSecret()]));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null, error: 'connection refused (ECONNREFUSED)' });
  });

  it('a receiver that drops the connection → failed "connection reset"', async () => {
    const hook = await receiver({ respond: (_res, _delivery, req: IncomingMessage) => req.socket.destroy() });
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()]));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null });
    expect(outcome.kind === 'failed' && outcome.error).toMatch(/^connection reset \(/);
  });

  it('a URL the policy refuses is not sent to (plain http to a host not allowed)', async () => {
    const hook = await receiver();
    const outcome = await sendWebhook(message(hook.url, [newSigningSecret()], { allowedHosts: [] }));
    expect(outcome).toMatchObject({ kind: 'failed', responseCode: null });
    expect(outcome.kind === 'failed' && outcome.error).toBe(
      `refused URL: ${hook.url}: 127.0.0.1 is a loopback address; webhooks go to public addresses only, unless the host is listed in WEBHOOK_ALLOWED_HOSTS`,
    );
    expect(hook.connections()).toBe(0);
  });

  it('a stored URL whose port is no longer allowed → failed with the refusal, and no connection is made', async () => {
    // Registered while 8443 was allowed; the operator has since set WEBHOOK_ALLOWED_PORTS=443.
    const nowhere = new NoConnections();
    const narrowed = await sendWebhook(
      message('https://8.8.8.8:8443/hook', [newSigningSecret()], {
        allowedHosts: [],
        allowedPorts: [443],
        dispatcher: nowhere,
      }),
    );
    expect(narrowed).toMatchObject({
      kind: 'failed',
      responseCode: null,
      error:
        'refused URL: https://8.8.8.8:8443/hook: names port 8443; webhooks go to port 443 only, unless the host ' +
        'is listed in WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)',
    });
    const scan = await sendWebhook(
      message('https://1.1.1.1:22/', [newSigningSecret()], { allowedHosts: [], dispatcher: nowhere }),
    );
    expect(scan).toMatchObject({
      kind: 'failed',
      responseCode: null,
      error:
        'refused URL: https://1.1.1.1:22/: names port 22; webhooks go to ports 443, 8443 only, unless the host ' +
        'is listed in WEBHOOK_ALLOWED_HOSTS (the operator sets WEBHOOK_ALLOWED_PORTS)',
    });
    expect(nowhere.dispatched).toEqual([]);
  });

  it('a host in WEBHOOK_ALLOWED_HOSTS is still sent to on any port, whatever WEBHOOK_ALLOWED_PORTS says', async () => {
    const hook = await receiver();
    expect(await sendWebhook(message(hook.url, [newSigningSecret()], { allowedPorts: [443] }))).toMatchObject({
      kind: 'delivered',
    });
    expect(hook.deliveries).toHaveLength(1);
  });

  it('a secret that is not a Standard Webhooks secret is a programming error, thrown without the secret', async () => {
    const hook = await receiver();
    const bad = 'whsec_not base64!';
    const error = await sendWebhook(message(hook.url, [newSigningSecret(), bad])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('signing secret 2 is not a Standard Webhooks secret (whsec_ then base64)');
    expect(hook.connections()).toBe(0);
  });
});
