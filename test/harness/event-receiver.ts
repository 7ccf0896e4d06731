/**
 * A receiver of whole journeys for the end-to-end webhook specs: a local HTTP server that records
 * every request (path, headers, body, when, and what it was answered: null when the connection went
 * away first) and answers what `respond` decides, possibly later (after killing its sender, say).
 * test/harness/webhook-receiver.ts is the one of the outbound specs (signatures, TLS, connections).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request's path, e.g. `/hooks/a`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What it was answered (null: the connection went away first). */
  answered: number | null;
}

export type Responder = (
  received: ReceivedWebhook,
  index: number,
) => number | Promise<number> | { status: number; body?: string };

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** The bodies parsed. */
  events(): Array<{ id: string; type: string; data: any; timestamp: string }>;
  respond: Responder;
  close(): Promise<void>;
}

export async function startWebhookReceiver(respond: Responder = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: ReceivedWebhook = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answered: null,
      };
      const index = received.push(entry) - 1;
      void Promise.resolve(receiver.respond(entry, index)).then((answer) => {
        const { status, body } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body ?? '');
        res.on('finish', () => (entry.answered = status));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    respond,
    events: () =>
      received.map((r) => ({ id: String(r.headers['webhook-id']), ...(JSON.parse(r.body) as object) }) as any),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
