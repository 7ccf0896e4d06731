/** A graphql-ws client for tests, over a real socket (Node 20 has no global WebSocket). */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Credentials } from '../../src/upstream/types.js';

/** What `done` rejects with: an Error, with the socket's close `code` when the socket closed. */
export type WsError = Error & { code?: number };

function asError(error: unknown): WsError {
  if (error instanceof Error) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return Object.assign(new Error(`socket closed with ${code}`), { code });
  return new Error(JSON.stringify(error));
}

export interface WsSubscription {
  events: Array<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Resolves when the server completes the operation; rejects on a socket-level error or close (a WsError). */
  done: Promise<void>;
  /** Completes the operation from the client side. */
  unsubscribe(): void;
}

export interface WsClientOptions {
  lazy?: boolean;
  /** Hears of each socket the client opens: a test can `terminate()` it (no close handshake) or watch its close code. */
  onSocket?: (socket: WebSocket) => void;
}

export function wsClient(url: string, creds: Credentials | null, options: WsClientOptions = {}): Client {
  const { onSocket } = options;
  const webSocketImpl = onSocket
    ? class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols);
          onSocket!(this);
        }
      }
    : WebSocket;
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    connectionParams: creds ? { authorization: `Bearer ${creds.token}`, organizationId: creds.organizationId } : {},
  });
}

export function subscribeWs(client: Client, query: string, variables: Record<string, unknown>): WsSubscription {
  const events: WsSubscription['events'] = [];
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (value) => events.push(value as WsSubscription['events'][number]),
        error: (error) => reject(asError(error)),
        complete: () => resolve(),
      },
    );
  });
  return { events, done, unsubscribe: () => unsubscribe() };
}
