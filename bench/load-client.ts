/**
 * The subscribers: many graphql-transport-ws operations over a number of raw `ws` sockets. No
 * graphql-ws client here on purpose: the load generator shares a 2-core machine with the gateway,
 * and the less it does per message (one JSON.parse, one timestamp), the more the measured delivery
 * time is the gateway's. Subscriber i uses the id `String(i)`, so a message names its subscriber.
 */
import WebSocket from 'ws';

export interface SubscriberPlan {
  /** The job each subscriber watches, by subscriber index. */
  jobOf: readonly string[];
  /** The socket each subscriber uses, by subscriber index. */
  socketOf: readonly number[];
  /** connectionParams of each socket. */
  paramsOf: ReadonlyArray<Record<string, unknown>>;
}

export interface LoadClient {
  /** Opens the sockets (`concurrency` handshakes at a time) and waits for every `connection_ack`. */
  connect(concurrency: number): Promise<void>;
  /** Sends every subscribe message and waits until each subscriber has its first event (or `timeoutMs`). */
  subscribeAll(query: string, timeoutMs: number): Promise<{ received: number }>;
  /**
   * Arms the recorder: from now, the first event of each subscriber is timestamped. Returns a promise
   * of the timestamps (performance.now(), NaN for a subscriber that got nothing) when all have one or at `timeoutMs`.
   */
  nextEvents(timeoutMs: number): Promise<Float64Array>;
  /** Events per subscriber that carried errors, and operations completed early (both should stay 0). */
  problems(): { errors: number; completed: number; closedSockets: number; firstError?: string };
  close(): Promise<void>;
}

export function createLoadClient(url: string, plan: SubscriberPlan): LoadClient {
  const n = plan.jobOf.length;
  const sockets: WebSocket[] = [];
  const arrivals = createArrivals(n);
  let errors = 0;
  let completed = 0;
  let closedSockets = 0;
  let firstError: string | undefined;
  let closing = false;

  const onMessage = (raw: WebSocket.RawData) => {
    const message = JSON.parse(raw.toString()) as { id?: string; type: string; payload?: { errors?: unknown[] } };
    if (message.type === 'next') {
      if (message.payload?.errors) {
        errors += 1;
        firstError ??= JSON.stringify(message.payload.errors).slice(0, 300);
      }
      arrivals.arrive(Number(message.id));
    } else if (message.type === 'complete' || message.type === 'error') {
      completed += 1;
      if (message.type === 'error') firstError ??= JSON.stringify(message.payload).slice(0, 300);
    }
  };
  const onClose = () => {
    if (!closing) closedSockets += 1;
  };

  return {
    async connect(concurrency) {
      let next = 0;
      const worker = async () => {
        while (next < plan.paramsOf.length) {
          const s = next++;
          sockets[s] = await openSocket(url, plan.paramsOf[s]!, onMessage, onClose);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, plan.paramsOf.length) }, worker));
    },

    async subscribeAll(query, timeoutMs) {
      const firstEvents = arrivals.record(timeoutMs);
      for (let i = 0; i < n; i += 1) {
        const payload = { query, variables: { id: plan.jobOf[i] } };
        sockets[plan.socketOf[i]!]!.send(JSON.stringify({ id: String(i), type: 'subscribe', payload }));
      }
      const times = await firstEvents;
      return { received: times.reduce((count, t) => (Number.isNaN(t) ? count : count + 1), 0) };
    },

    nextEvents: (timeoutMs) => arrivals.record(timeoutMs),

    problems: () => ({ errors, completed, closedSockets, ...(firstError ? { firstError } : {}) }),

    async close() {
      closing = true;
      await Promise.all(sockets.map(closeSocket));
    },
  };
}

/** Opens a socket and completes the handshake; from then on its messages go to `onMessage`. */
function openSocket(
  url: string,
  params: Record<string, unknown>,
  onMessage: (raw: WebSocket.RawData) => void,
  onClose: () => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
      perMessageDeflate: false,
    });
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
    socket.on('message', function first(raw) {
      const message = JSON.parse(raw.toString()) as { type: string };
      if (message.type !== 'connection_ack')
        return reject(new Error(`expected connection_ack, got ${raw.toString().slice(0, 200)}`));
      socket.off('message', first);
      socket.on('message', onMessage);
      socket.once('close', onClose);
      resolve(socket);
    });
  });
}

/** Closes with 1000, or terminates after 5 s. */
function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close(1000);
    setTimeout(() => {
      socket.terminate();
      resolve();
    }, 5_000).unref();
  });
}

/** Timestamps the first event of each of `n` subscribers after `record` arms it (see `LoadClient.nextEvents`). */
function createArrivals(n: number): { record(timeoutMs: number): Promise<Float64Array>; arrive(i: number): void } {
  const arrivals = new Float64Array(n);
  let armed = false;
  let pending = 0;
  let onAllArrived: (() => void) | undefined;
  return {
    arrive(i) {
      if (!armed || arrivals[i] !== 0) return;
      arrivals[i] = performance.now();
      pending -= 1;
      if (pending === 0) onAllArrived?.();
    },
    record(timeoutMs) {
      arrivals.fill(0);
      pending = n;
      armed = true;
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          armed = false;
          onAllArrived = undefined;
          resolve(Float64Array.from(arrivals, (t) => (t === 0 ? Number.NaN : t)));
        };
        const timer = setTimeout(finish, timeoutMs);
        onAllArrived = finish;
      });
    },
  };
}
