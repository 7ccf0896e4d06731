/**
 * The URL policy of webhook endpoints, applied when one is registered (or its URL changed):
 * `https` to a host whose every address is public, on a port listed in WEBHOOK_ALLOWED_PORTS, or
 * any `http(s)` URL to a host listed in WEBHOOK_ALLOWED_HOSTS. The URL is read as WHATWG URL parsing
 * reads it, which is also how undici reads it when delivering, so the tricks that spell 127.0.0.1
 * differently (`2130706433`, `0x7f.1`, `[::ffff:7f00:1]`) are already the plain address here. Every
 * delivery checks the addresses again at connect time (webhook-dispatcher.ts): a name may resolve
 * elsewhere later (DNS rebinding).
 *
 * The port rule is against port scanning through the gateway: an attempt's recorded error (connection
 * refused, timed out, the start of an answer) is its owner's to read, and `redeliverWebhook` re-runs
 * an attempt on demand, so an endpoint on any port of any public host would tell its owner what
 * listens there, as seen from the gateway's address. Every delivery checks the port again
 * (send-webhook.ts), so an endpoint registered before the operator narrowed the list is not sent to.
 *
 * A refusal's message starts with the URL (without any credentials it carried) and says what is wrong.
 * A text that cannot be read as an http(s) URL and holds an `@` is not repeated at all: what precedes
 * the `@` may be a user name or password that the parser could not set apart. A name that resolves to
 * an address that is not public is refused without naming the address or its class (the gateway's
 * DNS may answer for names of its own network, which are none of the caller's business); the detail
 * goes to the operator's log (`detail`). An address literal the caller gave is named with its class.
 */
import { isIP } from 'node:net';
import { addressesProblem, addressRefusal, canonicalHost, isAllowedHost, nonPublicName } from './address-policy.js';
import { systemResolveHost, type ResolveHost, type ResolvedAddress } from './resolve-host.js';

export type EndpointUrlCheck =
  | { ok: true; url: string }
  /** `detail`: for the operator's log only (which address a name resolved to), never for the caller. */
  | { ok: false; message: string; detail?: string };

/** The rules that need no DNS: the operator's allowed hosts and ports. */
export interface EndpointUrlRules {
  /** WEBHOOK_ALLOWED_HOSTS: reachable over `http` too, at any address and on any port. */
  allowedHosts: readonly string[];
  /** WEBHOOK_ALLOWED_PORTS: the ports any other host may be reached on (no port in the URL: 443 for https). */
  allowedPorts: readonly number[];
}

export interface EndpointUrlPolicy extends EndpointUrlRules {
  /** Every address of a host name. @default dns.lookup with `all: true` */
  lookup?: ResolveHost;
  /** How long resolving the host may take before the URL is refused. @default 5_000 */
  lookupTimeoutMs?: number;
}

const MAX_URL_LENGTH = 2048;
const ALLOWED_HINT = 'unless the host is listed in WEBHOOK_ALLOWED_HOSTS';

/** Said instead of a URL's text that may hold a user name or password the parser could not set apart. */
export const NOT_REPEATED = 'the value is not repeated here, since what precedes its @ may be a user name or password';

/** Whether a refusal may quote `text` (a URL that could not be read as http(s)): not when it holds an `@`. */
export function quotable(text: string): boolean {
  return !text.includes('@');
}

/** The URL's parts that need no network: scheme, credentials, an address literal, localhost. */
export type ParsedEndpointUrl = { ok: true; url: URL; allowed: boolean } | { ok: false; message: string };

/**
 * The checks that need no DNS, shared by registration and delivery. The URL comes back normalised:
 * WHATWG serialisation, no fragment, no trailing dot on the host name.
 */
export function parseEndpointUrl(text: string, rules: EndpointUrlRules): ParsedEndpointUrl {
  const url = URL.canParse(text) && text.length <= MAX_URL_LENGTH ? new URL(text) : null;
  if (url === null) {
    const problem =
      text.length > MAX_URL_LENGTH
        ? `is longer than ${MAX_URL_LENGTH} characters`
        : 'is not a URL (expected https://host/path)';
    if (!quotable(text)) return { ok: false, message: `the URL ${problem}; ${NOT_REPEATED}` };
    return refuse(JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text), problem);
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    return refuse(url.href, 'must not carry credentials (user:password@); the signature authenticates deliveries');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // `alice:pw@example.com` reads as the scheme `alice`: neither the text nor the scheme is repeated.
    if (!quotable(text)) return { ok: false, message: `the URL must be an https URL; ${NOT_REPEATED}` };
    return refuse(url.href, `must be an https URL, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.port === '0')
    return refuse(url.href, 'names port 0, where no receiver can listen; give the port the receiver listens on');
  url.hash = '';
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') return refuse(url.href, 'has no host name');
  url.hostname = host;
  const allowed = isAllowedHost(host, rules.allowedHosts);
  if (!allowed) {
    const problem = hostProblem(host);
    if (problem !== null) return refuse(url.href, `${problem}; webhooks go to public addresses only, ${ALLOWED_HINT}`);
    if (url.protocol === 'http:')
      return refuse(url.href, `must use https (plain http is allowed only to hosts in WEBHOOK_ALLOWED_HOSTS)`);
    const port = portProblem(url, rules.allowedPorts);
    if (port !== null) return refuse(url.href, port);
  }
  return { ok: true, url, allowed };
}

/**
 * What an endpoint's owner reads (its `stateReason`) when the URL policy refuses its stored URL at
 * delivery (the operator narrowed the rules after it was registered): why, and what to do.
 */
export function refusedUrlReason(message: string, allowedPorts: readonly number[]): string {
  const ports =
    allowedPorts.length === 0
      ? 'a host the operator allows'
      : `a port of ${allowedPorts.join(', ')}${allowedPorts.includes(443) ? ' (none named means 443)' : ''}`;
  return (
    `Nothing is sent to this endpoint: this gateway's URL policy refuses its URL (${message}). Update the ` +
    `endpoint's url (updateWebhookEndpoint) to an https URL on ${ports}, or ask the operator; its pending ` +
    'deliveries are then sent, and failed ones can be redelivered.'
  );
}

/** Why the URL's port (443 when it names none) may not be used by a host that is not allowed, or null. */
function portProblem(url: URL, allowedPorts: readonly number[]): string | null {
  const port = url.port === '' ? 443 : Number(url.port);
  if (allowedPorts.includes(port)) return null;
  const named = url.port === '' ? 'names no port (so 443)' : `names port ${port}`;
  const ports =
    allowedPorts.length === 0
      ? 'no port'
      : `${allowedPorts.length === 1 ? 'port' : 'ports'} ${allowedPorts.join(', ')} only`;
  return `${named}; webhooks go to ${ports}, ${ALLOWED_HINT} (the operator sets WEBHOOK_ALLOWED_PORTS)`;
}

/** What is wrong with a host before any DNS: an address literal that is not public, or a localhost name. */
function hostProblem(host: string): string | null {
  const bare = canonicalHost(host);
  if (isIP(bare) !== 0) {
    const refusal = addressRefusal(bare);
    return refusal === null ? null : `${bare} is ${refusal}`;
  }
  // RFC 6761: resolvers answer these with the loopback address, whatever DNS says.
  if (bare === 'localhost' || bare.endsWith('.localhost')) return `${bare} is a loopback name`;
  return null;
}

/**
 * Checks a URL given for a webhook endpoint: the normalised URL, or why it is refused. A host name
 * must resolve, and every address it resolves to must be public (a name with one private address
 * among public ones is refused: the connection could go to any of them).
 */
export async function checkEndpointUrl(text: string, policy: EndpointUrlPolicy): Promise<EndpointUrlCheck> {
  const parsed = parseEndpointUrl(text, policy);
  if (!parsed.ok) return parsed;
  const { url, allowed } = parsed;
  const host = canonicalHost(url.hostname);
  if (allowed || isIP(host) !== 0) return { ok: true, url: url.href };
  const resolved = await resolveWithin(policy.lookup ?? systemResolveHost, host, policy.lookupTimeoutMs ?? 5_000);
  if (typeof resolved === 'string') return refuse(url.href, `${host} does not resolve (${resolved})`);
  if (resolved.length === 0) return refuse(url.href, `${host} does not resolve (no address)`);
  const detail = addressesProblem(host, resolved);
  if (detail !== null)
    return {
      ...refuse(url.href, `${nonPublicName(host)}; webhooks go to public addresses only, ${ALLOWED_HINT}`),
      detail,
    };
  return { ok: true, url: url.href };
}

/** The addresses, or the error code (never the message) when resolving failed or took too long. */
async function resolveWithin(
  lookup: ResolveHost,
  host: string,
  timeoutMs: number,
): Promise<readonly ResolvedAddress[] | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([lookup(host).catch((error: unknown) => errorCode(error) ?? 'lookup failed'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

function refuse(shown: string, problem: string): { ok: false; message: string } {
  return { ok: false, message: `${shown}: ${problem}` };
}
