/** A graphql-ws client for tests, over a real socket (Node 20 has no global WebSocket). */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Credentials } from '../../src/upstream/types.js';

export interface WsSubscription {
  events: Array<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Resolves when the server completes the operation; rejects on a socket-level error. */
  done: Promise<void>;
  /** Completes the operation from the client side. */
  unsubscribe(): void;
}

export function wsClient(url: string, creds: Credentials | null, options: { lazy?: boolean } = {}): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    connectionParams: creds ? { authorization: `Bearer ${creds.token}`, organizationId: creds.organizationId } : {},
  });
}

export function subscribeWs(client: Client, query: string, variables: Record<string, unknown>): WsSubscription {
  const events: WsSubscription['events'] = [];
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe({ query, variables }, {
      next: (value) => events.push(value as WsSubscription['events'][number]),
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => resolve(),
    });
  });
  return { events, done, unsubscribe: () => unsubscribe() };
}
