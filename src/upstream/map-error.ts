/**
 * The one place that turns what the upstream answered (a status and the `{ code, message }`
 * envelope) or how the connection failed into an `UpstreamError` with a stable code.
 *
 * Whose words reach the user: a 4xx answer describes the caller's own request ("n_epochs: 25 is not
 * an integer from 1 to 20"), so its message is kept; a 5xx message describes the upstream's
 * internals, so it is replaced by a generic sentence. Envelope codes are not used to choose the
 * error code: `resource_exhausted` means both 402 (no credit) and 429 (slow down), so the status decides.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError } from './errors.js';
import { NSCALE_DIALECT, type UpstreamDialect } from './dialect.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** The advice of an UPSTREAM_OUTCOME_UNKNOWN, unless its exchange gives its own (`Exchange.outcomeUnknownAdvice`). */
const CHECK_BEFORE_RETRYING = 'Check `jobs` before retrying.';

/** An upstream sentence longer than this is cut: it is shown to users and logged. */
const MAX_MESSAGE_LENGTH = 1_000;

/**
 * Answers that came after the request was received and do not say that nothing was done, on an
 * exchange whose effect must not be repeated blindly (job creation): a 502 or 504 from a proxy in
 * front of the service (its own attempt may have reached the service, which may have acted before
 * the proxy gave up on it), and a 500 from the service itself (it failed while handling the
 * request, possibly after creating the job: failing to write the answer is a 500 too). A duplicate
 * job costs the caller credit; checking `jobs` first costs one query. Not among them: 503 and 408
 * (the service or its proxy refused, or never got the whole request, before acting), and 501/505
 * (refused by nature).
 */
const MAY_HAVE_ACTED_STATUSES: ReadonlySet<number> = new Set([500, 502, 504]);

export interface ResponseContext {
  /** The exchange's effect matters if it happened (job creation): `Exchange.outcomeUnknownOnLostAnswer`. */
  outcomeUnknown?: boolean;
  /**
   * An earlier attempt of the same call may have acted before its answer was lost: then an answer
   * that only says "not now" (5xx, 408, 429) does not tell either, and is outcome-unknown too.
   */
  afterLostAttempt?: boolean;
  /** What to check before repeating the exchange, said with its UPSTREAM_OUTCOME_UNKNOWN. @default 'Check `jobs` before retrying.' */
  outcomeUnknownAdvice?: string;
  /** How the upstream writes its error answers. @default Nscale's `{ code, message }` */
  dialect?: UpstreamDialect;
}

export function errorFromResponse(
  res: RawResponse,
  operation: string,
  retryAfterSeconds: number | undefined,
  context: ResponseContext = {},
): UpstreamError {
  const envelope = readEnvelope(res.text, context.dialect ?? NSCALE_DIALECT);
  const { code: upstreamCode, param: upstreamParam } = envelope;
  const details = { status: res.status, upstreamCode, upstreamParam, operation, retryAfterSeconds };
  const own = (fallback: string): string => envelope.message ?? fallback;
  const { status } = res;
  if (
    context.outcomeUnknown &&
    (MAY_HAVE_ACTED_STATUSES.has(status) ||
      (context.afterLostAttempt && (status >= 500 || status === 408 || status === 429)))
  ) {
    return new UpstreamError(
      'UPSTREAM_OUTCOME_UNKNOWN',
      `${operation}: the fine-tuning service answered HTTP ${status} after receiving the request; it ` +
        `may or may not have taken effect. ${context.outcomeUnknownAdvice ?? CHECK_BEFORE_RETRYING}`,
      details,
    );
  }
  switch (status) {
    case 400:
    case 422:
      return new UpstreamError(
        'BAD_USER_INPUT',
        own('The fine-tuning service refused the request as invalid.'),
        details,
      );
    case 413:
      return new UpstreamError(
        'BAD_USER_INPUT',
        own('The upload is larger than the fine-tuning service accepts.'),
        details,
      );
    case 415:
      return new UpstreamError(
        'BAD_USER_INPUT',
        own('The fine-tuning service does not accept this content type.'),
        details,
      );
    case 401:
      return new UpstreamError(
        'UNAUTHENTICATED',
        tokenRefused(context.dialect ?? NSCALE_DIALECT, envelope.message),
        details,
      );
    case 402:
      return new UpstreamError('INSUFFICIENT_CREDIT', own('Not enough credit for this operation.'), details);
    case 403:
      return new UpstreamError('FORBIDDEN', own('These credentials may not access this resource.'), details);
    case 404:
      return new UpstreamError('NOT_FOUND', own('Not found.'), details);
    case 409:
      return new UpstreamError('CONFLICT', own('The resource is not in a state that allows this operation.'), details);
    case 429: {
      const after = retryAfterSeconds === undefined ? '' : ` Retry after ${retryAfterSeconds} s.`;
      return new UpstreamError('RATE_LIMITED', `Too many requests to the fine-tuning service.${after}`, details);
    }
    case 408:
    case 502:
    case 503:
    case 504:
      return new UpstreamError(
        'UPSTREAM_UNAVAILABLE',
        `${operation}: the fine-tuning service is unavailable (HTTP ${status}).`,
        details,
      );
    default:
      return new UpstreamError(
        'UPSTREAM_ERROR',
        `${operation}: the fine-tuning service failed to handle the request (HTTP ${status}).`,
        details,
      );
  }
}

/**
 * The gateway's words for a 401: the credential refused (the Authorization bearer token, and whose),
 * the upstream's own reason quoted when it gave one (`unknown token`, `the token has expired`), and
 * what to do, in the shape of every refusal of the gateway (`field: what: rule`).
 */
function tokenRefused({ provider }: UpstreamDialect, reason: string | undefined): string {
  const why = reason === undefined ? '' : ` (${JSON.stringify(reason)})`;
  return (
    `Authorization: provider ${provider.name} refused the bearer token${why}: send a valid ` +
    `${provider.credential} as "Authorization: Bearer <token>" (over WebSocket, connectionParams "authorization").`
  );
}

/** The envelope when the body is one; an unreadable error body still maps by its status. */
function readEnvelope(
  text: string,
  dialect: UpstreamDialect,
): { code: string | undefined; message: string | undefined; param: string | undefined } {
  try {
    const envelope = dialect.readErrorEnvelope(JSON.parse(text));
    if (envelope === undefined) return { code: undefined, message: undefined, param: undefined };
    const message = envelope.message?.trim();
    return {
      code: envelope.code,
      message: message ? message.slice(0, MAX_MESSAGE_LENGTH) : undefined,
      param: envelope.param,
    };
  } catch {
    return { code: undefined, message: undefined, param: undefined };
  }
}

/**
 * How a failed exchange failed. `connect`: the request never left this process (nothing happened
 * upstream, safe to report as unavailable even for a job creation). `transport`: the connection broke
 * or timed out at some point after connecting, so the upstream may have acted on the request.
 * `other`: not a network failure at all (a bug, a refused argument).
 */
export type FailureKind = 'connect' | 'transport' | 'other';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

export function failureKind(error: unknown): FailureKind {
  const code = errorCode(error);
  if (code === undefined) return 'other';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (TRANSPORT_CODES.has(code) || code.startsWith('HPE_')) return 'transport';
  return 'other';
}

/** `code` of the error, of its cause, or of the first of an AggregateError (happy-eyeballs connects). */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = e instanceof AggregateError ? e.errors[0] : (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface NetworkFailure {
  operation: string;
  kind: FailureKind;
  /** The request may have reached the upstream, and its effect matters (a job creation). */
  outcomeUnknown: boolean;
  /** What to check before repeating it, said with its UPSTREAM_OUTCOME_UNKNOWN. @default 'Check `jobs` before retrying.' */
  outcomeUnknownAdvice?: string;
  /** Human reason for logs and the message: "ECONNRESET", "no answer within 30000 ms". */
  reason: string;
  /**
   * Set when the call's deadline, this many milliseconds, ended it after the request left: the
   * upstream was reached, and was slow, so it is not called unreachable.
   */
  timedOutAfterMs?: number | undefined;
  cause: unknown;
}

export function errorFromFailure(f: NetworkFailure): UpstreamError {
  const details = { operation: f.operation, cause: f.cause };
  if (f.outcomeUnknown && f.kind !== 'connect') {
    return new UpstreamError(
      'UPSTREAM_OUTCOME_UNKNOWN',
      `${f.operation}: the request was sent but no answer came back (${f.reason}); it may or may not ` +
        `have taken effect. ${f.outcomeUnknownAdvice ?? CHECK_BEFORE_RETRYING}`,
      details,
    );
  }
  if (f.kind === 'other') {
    return new UpstreamError(
      'UPSTREAM_ERROR',
      `${f.operation}: the call to the fine-tuning service failed (${f.reason}).`,
      details,
    );
  }
  if (f.timedOutAfterMs !== undefined && f.kind === 'transport') {
    return new UpstreamError(
      'UPSTREAM_UNAVAILABLE',
      `${f.operation}: the fine-tuning service did not answer within ${duration(f.timedOutAfterMs)}.`,
      details,
    );
  }
  return new UpstreamError(
    'UPSTREAM_UNAVAILABLE',
    `${f.operation}: the fine-tuning service is unreachable (${f.reason}).`,
    details,
  );
}

/** "15 s", "2.5 s", "20 ms": how a person reads a deadline. */
function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(1))} s`;
}
