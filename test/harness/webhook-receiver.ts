/**
 * A webhook receiver for the specs: a real HTTP(S) server on 127.0.0.1 that records every delivery
 * with its headers and body, and which of the given `whsec_` secrets verify it with the
 * `standardwebhooks` package (what a user's receiver runs). It counts the connections it accepted,
 * so that a spec can tell "nothing reached it" from "it answered with an error".
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The index of each secret (of `secrets`) whose `Webhook.verify` accepted the delivery. */
  verifiedWith: number[];
}

/** Answers one delivery; the default answers 200 `ok`. The body has been read whole. */
export type Respond = (res: ServerResponse, delivery: ReceivedDelivery, req: IncomingMessage) => void;

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/hook` (https with `tls`). */
  url: string;
  port: number;
  deliveries: ReceivedDelivery[];
  /** TCP connections accepted (TLS: before the handshake). */
  connections(): number;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secrets?: readonly string[];
  respond?: Respond;
  tls?: { key: string; cert: string };
}

/** A fresh Standard Webhooks secret: `whsec_` and 24 random bytes as base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function verifiedWith(secrets: readonly string[], body: string, headers: IncomingHttpHeaders): number[] {
  const signed = {
    'webhook-id': String(headers['webhook-id'] ?? ''),
    'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
    'webhook-signature': String(headers['webhook-signature'] ?? ''),
  };
  return secrets.flatMap((secret, index) => {
    try {
      new Webhook(secret).verify(body, signed);
      return [index];
    } catch {
      return [];
    }
  });
}

export async function startWebhookReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const respond: Respond = options.respond ?? ((res) => res.end('ok'));
  let connections = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery: ReceivedDelivery = {
        method: req.method ?? '',
        headers: req.headers,
        body,
        verifiedWith: verifiedWith(options.secrets ?? [], body, req.headers),
      };
      deliveries.push(delivery);
      respond(res, delivery, req);
    });
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handle) : createServer(handle);
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`,
    port,
    deliveries,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
