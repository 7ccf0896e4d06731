/**
 * One delivery attempt: POST the event body to the endpoint with the Standard Webhooks headers, and
 * turn whatever happens into an outcome (never a throw, for anything the endpoint or the network
 * does). The attempt is bounded as a whole (connect, send, headers and body share one deadline), reads
 * at most `maxResponseBytes` of the answer, follows no redirect, and sends nothing but the body and
 * the headers below: no Authorization, no caller token, no cookie.
 *
 * A 2xx is delivered even when reading its body then fails: the receiver has acknowledged the event.
 * Once the status and headers have come, the body is read for at most `bodyWaitMs` more (and never
 * past the deadline): a receiver that answers at once and then drips its body does not hold the
 * sender's slot for the whole attempt timeout.
 */
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { AttemptOutcome } from '../webhook-store.js';
import { parseEndpointUrl, refusedUrlReason } from './endpoint-url.js';
import { readCapped } from './read-capped.js';
import { AddressRefusedError } from './webhook-dispatcher.js';
import { signatureHeader } from './webhook-signature.js';

/** An attempt's outcome as the store records it, before the retry time is chosen (retry-at.ts). */
export type SentOutcome = {
  [K in AttemptOutcome['kind']]: Omit<Extract<AttemptOutcome, { kind: K }>, 'retryAt'>;
}[AttemptOutcome['kind']];

export interface WebhookMessage {
  /** The endpoint's URL, as registered (checked again here, and its addresses at connect time). */
  url: string;
  /** The `webhook-id`: the delivery's id, the same on every attempt. */
  id: string;
  /** The `webhook-timestamp` (sent in whole seconds): when this attempt is made. */
  timestamp: Date;
  /** The event, as JSON text: sent and signed byte for byte. */
  body: string;
  /** `whsec_…`, current first; each signs (rotation). */
  signingSecrets: readonly string[];
  /** WEBHOOK_ATTEMPT_TIMEOUT_MS. */
  timeoutMs: number;
  /** WEBHOOK_MAX_RESPONSE_BYTES. */
  maxResponseBytes: number;
  /** How long the body is read once the status and headers have come. @default 1_000 */
  bodyWaitMs?: number;
  /** WEBHOOK_ALLOWED_HOSTS. */
  allowedHosts: readonly string[];
  /** WEBHOOK_ALLOWED_PORTS: a URL stored before the operator narrowed them fails its attempts, unsent. */
  allowedPorts: readonly number[];
  /** createWebhookDispatcher's: it refuses addresses that are not public at connect time. */
  dispatcher: Dispatcher;
}

export const WEBHOOK_USER_AGENT = 'fine-tuning-gateway-webhooks/1';

/** The headers of an attempt, all of them (undici adds host, content-length and connection). */
export function webhookHeaders(m: Pick<WebhookMessage, 'id' | 'timestamp' | 'body' | 'signingSecrets'>) {
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': m.id,
    'webhook-timestamp': String(Math.floor(m.timestamp.getTime() / 1000)),
    'webhook-signature': signatureHeader(m.id, m.timestamp, m.body, m.signingSecrets),
  };
}

/** The abort reason of the attempt's deadline, told apart from every other failure. */
class AttemptTimeout extends Error {}

/** Why a body was cut short: it did not end within the wait after the headers. */
class BodyWaitOver extends Error {
  constructor(readonly waitMs: number) {
    super(`no more of it within ${waitMs} ms`);
  }
}

const DEFAULT_BODY_WAIT_MS = 1_000;

export async function sendWebhook(m: WebhookMessage): Promise<SentOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string, responseCode: number | null = null) => ({
    kind: 'failed' as const,
    responseCode,
    error,
    durationMs: elapsed(),
  });
  const parsed = parseEndpointUrl(m.url, m);
  // Nothing sent: recorded as a refusal (the endpoint FAILING at once, saying why), not as no response.
  if (!parsed.ok)
    return { ...failed(`refused URL: ${parsed.message}`), refused: refusedUrlReason(parsed.message, m.allowedPorts) };
  const headers = webhookHeaders(m);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new AttemptTimeout()), m.timeoutMs);
  try {
    const response = await request(parsed.url, {
      dispatcher: m.dispatcher,
      method: 'POST',
      headers,
      body: m.body,
      signal: deadline.signal,
    });
    const status = response.statusCode;
    const answer = await readAnswer(response.body, m.maxResponseBytes, m.bodyWaitMs ?? DEFAULT_BODY_WAIT_MS);
    if (status >= 200 && status < 300) return { kind: 'delivered', responseCode: status, durationMs: elapsed() };
    if (status === 410) return { kind: 'gone', durationMs: elapsed() };
    if (REDIRECTS.has(status)) {
      return failed(`redirect not followed: ${status} to ${locationOf(response.headers)}`, status);
    }
    const cut =
      answer.failure === null ? '' : ` (body cut short: ${reasonOf(answer.failure, deadline.signal, m.timeoutMs)})`;
    return failed(`HTTP ${status}${answer.text === '' ? '' : `: ${answer.text}`}${cut}`, status);
  } catch (error) {
    return failed(reasonOf(error, deadline.signal, m.timeoutMs));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The start of the body as text ("…" when cut at the cap), and how reading it failed if it did; the
 * read stops after `waitMs` (the body is destroyed, which closes the connection).
 */
async function readAnswer(
  body: Readable,
  maxBytes: number,
  waitMs: number,
): Promise<{ text: string; failure: unknown }> {
  const timer = setTimeout(() => body.destroy(new BodyWaitOver(waitMs)), waitMs);
  try {
    const { bytes, truncated, failure } = await readCapped(body, maxBytes);
    return { text: printable(bytes.toString('utf8')) + (truncated ? '…' : ''), failure };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Control characters (C0 other than tab and newlines, DEL, C1) and the bidirectional controls that
 * reorder what is shown (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as U+FFFD, whitespace
 * trimmed: a receiver's text is shown to the endpoint's owner and must not disguise itself there.
 */
function printable(text: string): string {
  return text
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
      '\ufffd',
    )
    .trim();
}

function locationOf(headers: Record<string, string | string[] | undefined>): string {
  const location = headers['location'];
  const value = Array.isArray(location) ? location[0] : location;
  if (value === undefined || value === '') return 'no location';
  return printable(value.length > 300 ? `${value.slice(0, 300)}…` : value);
}

/** The statuses that ask a client to go elsewhere (`Location`); 304 and the like are plain failures. */
const REDIRECTS = new Set([300, 301, 302, 303, 307, 308]);

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  UND_ERR_CLOSED: 'connection reset',
  ENOTFOUND: 'host does not resolve',
  EAI_AGAIN: 'host does not resolve',
  EAI_FAIL: 'host does not resolve',
  EAI_NODATA: 'host does not resolve',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response',
};

/** Why an attempt failed, from the deadline or the error's code: never its free text, which could quote anything. */
function reasonOf(error: unknown, deadline: AbortSignal, timeoutMs: number): string {
  if (deadline.aborted && deadline.reason instanceof AttemptTimeout) return `timed out after ${timeoutMs} ms`;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof AddressRefusedError || cause instanceof BodyWaitOver) return cause.message;
    const code = (cause as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    const reason = REASONS[code];
    if (reason !== undefined) return `${reason} (${code})`;
    if (/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) return `TLS failed (${code})`;
    return code;
  }
  return error instanceof Error ? error.name : 'failed';
}
