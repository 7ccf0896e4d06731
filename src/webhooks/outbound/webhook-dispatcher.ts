/**
 * The connection pool deliveries go through: an undici Agent whose connector checks every address it
 * is about to connect to, so that a name that resolved to a public address when the endpoint was
 * registered, and to 127.0.0.1 now (DNS rebinding), is refused at connect time, and no byte is sent.
 *
 * undici hands its connector's options to `net.connect` / `tls.connect`, which resolve the name with
 * the `lookup` they are given: ours resolves every address (ResolveHost), refuses the connection when
 * any is not public (unless the host is in WEBHOOK_ALLOWED_HOSTS), and otherwise answers in the shape
 * Node asked for (`all: true` under autoSelectFamily, one address otherwise). Node skips `lookup` for
 * an address literal, so the connector checks those itself before connecting. Redirects are never
 * followed: undici's `request` follows none without its redirect interceptor, which is not installed.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { addressesProblem, addressRefusal, canonicalHost, isAllowedHost, nonPublicName } from './address-policy.js';
import { systemResolveHost, type ResolveHost } from './resolve-host.js';

/**
 * A connection refused because the address it would reach is not public. Its message is what the
 * endpoint's owner sees in the attempt: for a name, not which address it resolved to (the gateway's
 * DNS answers for its own network too); `problem` has that detail, for the operator.
 */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
  /** `"hooks.example.com resolves to 127.0.0.1, a loopback address"`: the operator's detail. */
  readonly problem: string;

  constructor(problem: string, shown: string = problem) {
    super(`refused address: ${shown}`);
    this.name = 'AddressRefusedError';
    this.problem = problem;
  }
}

export interface WebhookDispatcherOptions {
  /** WEBHOOK_ALLOWED_HOSTS: connected to at any address. */
  allowedHosts: readonly string[];
  /** WEBHOOK_ATTEMPT_TIMEOUT_MS: the bound on connecting, and on waiting for headers or body bytes. */
  attemptTimeoutMs: number;
  /** Every address of a host name. @default dns.lookup with `all: true` */
  lookup?: ResolveHost;
  /** Certificates trusted besides the system's (a private CA in tests). @default none */
  ca?: string | Buffer;
  /** Told the detail of each connection refused (which address a name resolved to), for the operator's log. */
  onRefused?: (problem: string) => void;
}

export function createWebhookDispatcher(o: WebhookDispatcherOptions): Dispatcher {
  const base = buildConnector({
    timeout: o.attemptTimeoutMs,
    lookup: guardedLookup(o.lookup ?? systemResolveHost, o.allowedHosts, o.onRefused),
    ...(o.ca === undefined ? {} : { ca: o.ca }),
  });
  const connect: buildConnector.connector = (options, callback) => {
    const host = canonicalHost(options.hostname);
    const refusal = isIP(host) !== 0 && !isAllowedHost(host, o.allowedHosts) ? addressRefusal(host) : null;
    if (refusal === null) {
      base(options, callback);
      return;
    }
    // The caller's own literal: named with its class. Asynchronously, as a socket's failure would
    // come: undici's client is not ready for a re-entrant call.
    o.onRefused?.(`${host} is ${refusal}`);
    process.nextTick(() => callback(new AddressRefusedError(`${host} is ${refusal}`), null));
  };
  return new Agent({
    connect,
    headersTimeout: o.attemptTimeoutMs,
    bodyTimeout: o.attemptTimeoutMs,
    // Endpoints are many and each is sent to now and then: keep idle sockets briefly.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });
}

/** A `net` lookup that resolves with `resolve` and refuses a name with any address that is not public. */
function guardedLookup(
  resolve: ResolveHost,
  allowedHosts: readonly string[],
  onRefused: ((problem: string) => void) | undefined,
): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const fail = (error: Error) => callback(error as NodeJS.ErrnoException, '', 0);
    resolve(hostname).then((all) => {
      const host = canonicalHost(hostname);
      const problem = isAllowedHost(hostname, allowedHosts) ? null : addressesProblem(host, all);
      if (problem !== null) {
        onRefused?.(problem);
        return fail(new AddressRefusedError(problem, nonPublicName(host)));
      }
      const family = familyOf(options.family);
      const addresses: LookupAddress[] = all
        .filter((a) => family === 0 || a.family === family)
        .map(({ address, family }) => ({ address, family }));
      const first = addresses[0];
      if (first === undefined) return fail(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }));
      if (options.all === true) return callback(null, addresses);
      return callback(null, first.address, first.family);
    }, fail);
  };
}

function familyOf(family: LookupOptions['family']): number {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family ?? 0;
}
