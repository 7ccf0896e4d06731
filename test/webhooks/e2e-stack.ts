/**
 * What the end-to-end webhook specs share: a scratch PostgreSQL database, a receiver that records
 * every request, and a gateway stack on them that watches and delivers fast (scans every 50 ms,
 * endpoints re-read every 100 ms), with the receiver's host allowed. Specs skip without PostgreSQL.
 */
import { POSTGRES, scratchDatabase, type ScratchDatabase } from '../harness/postgres-available.js';
import { startStack, type Stack, type StackOptions } from '../harness/stack.js';
import { startWebhookReceiver, type Responder, type WebhookReceiver } from '../harness/event-receiver.js';

export interface WebhookE2E {
  stack: Stack;
  receiver: WebhookReceiver;
  close(): Promise<void>;
}

export interface WebhookE2EOptions extends StackOptions {
  respond?: Responder;
  /** The DATABASE_URL the gateway gets for the scratch database's URL (through a relay, say). @default the URL itself */
  reach?: (databaseUrl: string) => string;
}

export async function startWebhookE2E(options: WebhookE2EOptions = {}): Promise<WebhookE2E> {
  if (!POSTGRES) throw new Error('startWebhookE2E needs PostgreSQL (the spec should have skipped)');
  const { respond, reach = (url) => url, ...stackOptions } = options;
  const database: ScratchDatabase = await scratchDatabase();
  const receiver = await startWebhookReceiver(respond);
  const stack = await startStack({
    ...stackOptions,
    env: {
      DATABASE_URL: reach(database.url),
      WEBHOOK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_SCAN_MS: '50',
      WEBHOOK_ENDPOINT_RESCAN_MS: '100',
      ...stackOptions.env,
    },
  });
  return {
    stack,
    receiver,
    async close() {
      await stack.close();
      await receiver.close();
      await database.drop();
    },
  };
}
