/**
 * A hook around each HTTP exchange with the upstream (each attempt, retries counted one by one), so
 * that the gateway can count calls, time them, open a trace span and add correlation headers
 * without this folder knowing of metrics, tracing or GraphQL. Only the route template reaches it
 * (`/jobs/{id}`), never an id, a token or a body.
 */
export interface UpstreamExchangeInfo {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Route template below the organization: `/jobs/{id}`. */
  route: string;
  /** 1 for the first attempt of a call. */
  attempt: number;
  /** The id of the request the call serves (`CallOptions.requestId`), when it was given one. */
  requestId?: string;
  /** True for a dry run (`POST /jobs` estimating a job's cost): same route as the creation, nothing created. */
  dryRun?: boolean;
}

export interface UpstreamExchangeEnd {
  /** The upstream's HTTP status, or null when no answer came (connect failure, reset, deadline). */
  status: number | null;
}

export interface UpstreamExchangeObservation {
  /**
   * Headers to send with this exchange (`traceparent`, `x-request-id`). They never replace the
   * client's own (`authorization`, `accept`, `content-type`).
   */
  headers?: Record<string, string>;
  /** Called once when the exchange ends, answered or not. */
  end(outcome: UpstreamExchangeEnd): void;
}

export interface UpstreamObserver {
  /** Called as an exchange starts, in the async context of the caller (what tracing's context manager follows). */
  start(info: UpstreamExchangeInfo): UpstreamExchangeObservation | undefined;
}

/** One observer out of several (metrics, tracing, request ids): their headers merged, each told of the end. */
export function combineObservers(...observers: Array<UpstreamObserver | null | undefined>): UpstreamObserver {
  const present = observers.filter((o): o is UpstreamObserver => o != null);
  return {
    start(info) {
      const started = present
        .map((o) => o.start(info))
        .filter((s): s is UpstreamExchangeObservation => s !== undefined);
      return {
        headers: Object.assign({}, ...started.map((s) => s.headers ?? {})) as Record<string, string>,
        end: (outcome) => {
          for (const s of started) s.end(outcome);
        },
      };
    },
  };
}
