/**
 * The gateway with webhooks for the API specs: the real store on an in-memory PGlite (the same
 * migrations and queries as PostgreSQL), handed to the composition root as built, and counted (every
 * store method call, by name), so that a spec can say a refused caller never reached it. Requests go
 * through the real gateway on the embedded simulators of both providers, as any provider's caller.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { connectPglite, migrateToLatest, storeOn } from '../../src/webhooks/store/open-store.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { startStack, type GraphQLResponse, type Stack, type StackOptions } from '../harness/stack.js';

export interface WebhookStack extends Stack {
  /** The store the gateway uses (uncounted: what a spec reads or arranges directly). */
  store: WebhookStore;
  /** Calls the gateway made to the store since the last `resetStoreCalls`, by method. */
  storeCalls(): Record<string, number>;
  resetStoreCalls(): void;
  /** One operation as the caller these headers name (`as.nscale(…)`, `as.together(…)`). */
  as(
    headers: Record<string, string>,
  ): <T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
  ) => Promise<GraphQLResponse<T> & { text: string }>;
}

export const NSCALE_DEMO = { authorization: 'Bearer demo-token', 'x-organization-id': 'demo-org' };
export const NSCALE_OTHER = { authorization: 'Bearer other-token', 'x-organization-id': 'other-org' };
/** demo-token with another organization's id: the simulator refuses it (403). */
export const NSCALE_FORGED = { authorization: 'Bearer demo-token', 'x-organization-id': 'other-org' };
export const TOGETHER_DEMO = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
export const TOGETHER_OTHER = { authorization: 'Bearer other-token', 'x-provider': 'together' };

function counted(store: WebhookStore, calls: Map<string, number>): WebhookStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export async function startWebhookStack(options: StackOptions = {}): Promise<WebhookStack> {
  const logger = pino({ level: 'silent' });
  const db = await connectPglite('memory://', logger);
  await migrateToLatest(db);
  const store = storeOn(db, { key: randomBytes(32), logger });
  const calls = new Map<string, number>();
  const stack = await startStack({
    ...options,
    env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ...options.env },
    webhookStore: counted(store, calls),
    // The API alone: no watcher or sender, whose store reads and list polls would join the counts.
    webhookDelivery: options.webhookDelivery ?? false,
  });
  const as =
    (headers: Record<string, string>) =>
    async <T>(query: string, variables?: Record<string, unknown>) => {
      const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, text, ...(JSON.parse(text) as object) } as GraphQLResponse<T> & {
        text: string;
      };
    };
  return {
    ...stack,
    store,
    storeCalls: () => Object.fromEntries(calls),
    resetStoreCalls: () => calls.clear(),
    as,
    async close() {
      await stack.close();
      await store.close();
    },
  };
}
