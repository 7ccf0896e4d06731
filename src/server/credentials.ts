/**
 * Whose request this is. Credentials pass through to the upstream as the caller's own: over HTTP
 * from `Authorization: Bearer …` and `X-Organization-Id`, over WebSocket from `connectionParams`
 * (`authorization`, `organizationId`). A caller who sends none gets the fallback credentials when the
 * gateway has any (the demo tenant of the embedded simulator, or an operator's in explicit
 * single-tenant mode), and otherwise an UNAUTHENTICATED error when a field needs the upstream.
 */
import type { CredentialsOutcome } from '../resolvers/context.js';
import type { Credentials } from '../upstream/types.js';
import { gatewayError } from '../errors/gateway-error.js';


export interface PresentedCredentials {
  /** The raw `Authorization` value (`Bearer …`). */
  authorization?: string | null | undefined;
  organizationId?: string | null | undefined;
  /**
   * The page's origin when a browser sent the request from another site (`Origin` not matching the
   * host the request was sent to). Such a request never gets the fallback credentials: otherwise any
   * web page a user visits could spend the demo tenant's or, in single-tenant mode, the operator's
   * credit (a cross-site form post or WebSocket needs no preflight).
   */
  crossSiteOrigin?: string | null | undefined;
}

/**
 * The `Origin` of a browser request made from another site, or null. Same-site pages (GraphiQL
 * served by the gateway itself) and clients that send no `Origin` (curl, servers) give null.
 */
export function crossSiteOrigin(origin: string | null | undefined, ...hosts: Array<string | null | undefined>): string | null {
  if (!origin) return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return origin; // "null" (sandboxed frames, file:// pages) and malformed values are foreign.
  }
  return hosts.some((host) => host && host.split(',')[0]!.trim().toLowerCase() === originHost.toLowerCase()) ? null : origin;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function resolveCredentials(presented: PresentedCredentials, fallback: Credentials | null): CredentialsOutcome {
  const authorization = presented.authorization?.trim() || undefined;
  const organizationId = presented.organizationId?.trim() || undefined;

  if (!authorization && !organizationId) {
    if (fallback && presented.crossSiteOrigin) {
      return refuse(`A request from another site (${presented.crossSiteOrigin}) must carry its own credentials: this gateway's default credentials serve only its own pages and clients that are not browsers.`);
    }
    if (fallback) return { ok: true, credentials: fallback };
    return refuse('Credentials are required: send "Authorization: Bearer <service token>" and "X-Organization-Id: <organization id>" (over WebSocket, connectionParams "authorization" and "organizationId").');
  }
  if (!authorization) {
    return refuse('An organization id was sent without a token: send "Authorization: Bearer <service token>" with it.');
  }
  const token = BEARER.exec(authorization)?.[1];
  if (!token) {
    return refuse('The Authorization value must have the form "Bearer <service token>".');
  }
  if (!organizationId) {
    return refuse('A token was sent without an organization id: send "X-Organization-Id: <organization id>" with it (over WebSocket, connectionParams "organizationId").');
  }
  return { ok: true, credentials: { token, organizationId } };
}

function refuse(message: string): CredentialsOutcome {
  return { ok: false, error: gatewayError('UNAUTHENTICATED', message) };
}
