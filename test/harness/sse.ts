/** Reads a GraphQL-over-SSE subscription (yoga's "distinct connections" mode) event by event. */
import { expect } from 'vitest';
import { eventually, headersFor } from './stack.js';
import type { Credentials } from '../../src/upstream/types.js';

export interface SseEvents {
  /** Every `next` payload received so far. */
  events: Array<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Resolves when the server completes the stream, or its response ends; rejects if it is cut. */
  done: Promise<void>;
  /** Whether the server sent `event: complete` (not just ended the response). */
  readonly completed: boolean;
  abort(): void;
}

export function subscribeSse(
  fetchImpl: (url: string, init: RequestInit) => Promise<Response>,
  url: string,
  query: string,
  variables: Record<string, unknown>,
  creds: Credentials | null,
): SseEvents {
  const controller = new AbortController();
  const events: SseEvents['events'] = [];
  let completed = false;
  const done = (async () => {
    const response = await fetchImpl(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(creds ? headersFor(creds) : {}) },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    if (!response.body) throw new Error(`no SSE body (HTTP ${response.status})`);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (event === 'complete') {
            completed = true;
            return;
          }
          if (data) events.push(JSON.parse(data));
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return {
    events,
    done,
    get completed() {
      return completed;
    },
    abort: () => controller.abort(),
  };
}

/**
 * The first payload of `field` (among the events so far, or to come) that `match` takes, every event
 * up to it free of errors; fails after 10 s, waiting for `what`.
 */
export function firstEvent(
  subscription: SseEvents,
  field: string,
  match: (payload: Record<string, any>) => boolean,
  what: string,
): Promise<any> {
  return eventually(
    () =>
      subscription.events
        .map((e) => {
          expect(e.errors).toBeUndefined();
          return e.data?.[field];
        })
        .find((payload) => payload != null && match(payload)),
    10_000,
    what,
  );
}
