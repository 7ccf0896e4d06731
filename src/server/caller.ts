/**
 * Who is calling, read in one place for both transports: over HTTP from the request's headers, over
 * WebSocket from `connectionParams` and the upgrade request. Everything else that depends on the caller
 * (credentials.ts resolving them, the redactor, the rate limit, the default-credentials rule,
 * subscription grouping) reads this, never the headers or parameters themselves, so that the two
 * transports cannot disagree and a new credential is learnt here only.
 *
 * Each credential is one row of `FIELDS`: its HTTP header and its connection parameters (names
 * matched regardless of case, like header names; the first name found wins). The provider a request
 * is for (`X-Provider`, `connectionParams.provider`) is one row too: it is part of the group identity,
 * so subscriptions of two providers never share an execution.
 */
import type { IncomingMessage } from 'node:http';
import type { RateLimitSubject } from './rate-limit-key.js';
import { namedSecrets } from './request-secrets.js';

const FIELDS = {
  /** `Bearer <service token>`. */
  authorization: { header: 'authorization', params: ['authorization'] },
  organizationId: { header: 'x-organization-id', params: ['organizationId', 'organization_id', 'x-organization-id'] },
  /** `nscale` or `together`: which provider the request is for (credentials.ts decides; none: the first enabled). */
  provider: { header: 'x-provider', params: ['provider', 'x-provider'] },
} as const;

/** Each credential as sent (trimmed; null when absent, empty or, over WebSocket, not a string). */
export type PresentedFields = { readonly [K in keyof typeof FIELDS]: string | null };

export interface PresentedCredentials extends PresentedFields {
  /** The token of a `Bearer <token>` authorization; null when none was sent or it has another form. */
  readonly token: string | null;
}

export interface Caller {
  readonly credentials: PresentedCredentials;
  /**
   * What the redactor holds while the caller's operation runs: the Authorization value and the
   * credential in it, and over WebSocket every string under a parameter named like a secret.
   */
  readonly secrets: readonly string[];
  /** Whose quota an operation spends (rate-limit-key.ts). */
  readonly rateLimitSubject: RateLimitSubject;
  /**
   * Where the request was sent and from which page: what decides whether default credentials may serve
   * it. With the credentials, all a context is built from: WebSocket subscriptions share an execution
   * only when both are equal (ws/group-key.ts).
   */
  readonly site: RequestSite;
}

/** What a request says about where it was sent and from which page (credentials.ts's `defaultCredentialsRefusal` reads it). */
export interface RequestSite {
  /** `Host` (for a request made in-process without one, the host of its URL). */
  readonly host: string | null;
  readonly forwardedHost: string | null;
  /**
   * `http` or `https`, as the client reached the gateway: `X-Forwarded-Proto`'s first value when a
   * proxy in front sent one (deploy/nginx.conf does), else the connection's own (TLS or not).
   */
  readonly scheme: string;
  readonly origin: string | null;
  /** `Sec-Fetch-Site`, sent by browsers: `same-origin`, `same-site`, `cross-site` or `none`. */
  readonly fetchSite: string | null;
}

export type CallerSource =
  | {
      transport: 'http';
      request: Request;
      /** The Node request under it, when served by a Node server (not `yoga.fetch`): its peer address. */
      req?: IncomingMessage | undefined;
    }
  | { transport: 'ws'; connectionParams: Readonly<Record<string, unknown>>; request: IncomingMessage };

/** The scheme and the credential of an Authorization value (`Bearer abc`, `Basic …`). */
const SCHEME = /^(\S+)\s+(.+)$/;
/**
 * An Authorization value that is a scheme's name alone (`Bearer ` with an empty token): no secret, and
 * held as one it scrubbed the word from every message.
 */
const SCHEME_ONLY = /^(bearer|basic|token)$/i;

export function readCaller(source: CallerSource): Caller {
  const header = headerReader(source);
  const field =
    source.transport === 'http'
      ? (name: keyof typeof FIELDS) => header(FIELDS[name].header)
      : (name: keyof typeof FIELDS) => param(source.connectionParams, FIELDS[name].params);
  const presented: PresentedFields = {
    authorization: trimmed(field('authorization')),
    organizationId: trimmed(field('organizationId')),
    provider: trimmed(field('provider')),
  };
  const [, scheme, credential] = (presented.authorization && SCHEME.exec(presented.authorization)) || [];
  const token = scheme?.toLowerCase() === 'bearer' && credential && !/\s/.test(credential) ? credential : null;
  const credentials: PresentedCredentials = { ...presented, token };
  const site: RequestSite = {
    host: header('host') ?? (source.transport === 'http' ? new URL(source.request.url).host : null),
    forwardedHost: header('x-forwarded-host'),
    scheme: header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() || ownScheme(source),
    origin: header('origin'),
    fetchSite: header('sec-fetch-site'),
  };
  const peer = source.transport === 'http' ? source.req : source.request;
  return {
    credentials,
    secrets: [
      ...(presented.authorization && !SCHEME_ONLY.test(presented.authorization) ? [presented.authorization] : []),
      ...(credential ? [credential] : []),
      ...(source.transport === 'ws' ? namedSecrets(source.connectionParams) : []),
    ],
    rateLimitSubject: { token, remoteAddress: peer?.socket.remoteAddress, forwardedFor: header('x-forwarded-for') },
    site,
  };
}

/** The scheme of the connection itself: `https` over TLS (a Node TLS socket, or a fetch URL given as `https:`). */
function ownScheme(source: CallerSource): string {
  if (source.transport === 'http' && !source.req) return new URL(source.request.url).protocol.replace(/:$/, '');
  const socket = source.transport === 'http' ? source.req!.socket : source.request.socket;
  return (socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}

/** One header's value (the first, when repeated), from a fetch Request or a Node request. */
function headerReader(source: CallerSource): (name: string) => string | null {
  if (source.transport === 'http') return (name) => source.request.headers.get(name);
  const { headers } = source.request;
  return (name) => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? null;
  };
}

function param(params: Readonly<Record<string, unknown>>, names: readonly string[]): string | null {
  for (const name of names) {
    const exact = params[name];
    if (typeof exact === 'string') return exact;
    const lower = name.toLowerCase();
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && key.toLowerCase() === lower) return value;
    }
  }
  return null;
}

function trimmed(value: string | null): string | null {
  return value?.trim() || null;
}
