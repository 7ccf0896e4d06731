/**
 * Whose credentials a request runs with. They pass through to the upstream as the caller's own, as
 * caller.ts read them (over HTTP `Authorization: Bearer …` and `X-Organization-Id`, over WebSocket
 * `connectionParams.authorization` and `organizationId`). A caller who sends none gets the fallback credentials when the
 * gateway has any (the demo tenant of the embedded simulator, or an operator's in explicit
 * single-tenant mode), and otherwise an UNAUTHENTICATED error when a field needs the upstream.
 */
import type { CredentialsOutcome } from '../resolvers/context.js';
import type { Caller, RequestSite } from './caller.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { Credentials } from '../upstream/types.js';
import { gatewayError } from '../errors/gateway-error.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const OWN_PAGES =
  "this gateway's default credentials serve only its own pages (on localhost or a host listed in " +
  'GATEWAY_ALLOWED_HOSTS) and clients that are not browsers.';
/** The `Sec-Fetch-Site` values of a browser request from another site (https://w3c.github.io/webappsec-fetch-metadata/). */
const FOREIGN_FETCH_SITES = new Set(['same-site', 'cross-site']);

/**
 * Why the default credentials may not serve this request, or null when they may. They serve only:
 * - requests sent to a loopback name or a host in GATEWAY_ALLOWED_HOSTS (every `Host` and
 *   `X-Forwarded-Host` value): a page whose own name was re-bound to the gateway's address (DNS
 *   rebinding) sends that name, and looks same-origin to the browser and to the Origin rule below;
 * - when a browser says where the request comes from (`Sec-Fetch-Site`), its own pages (`same-origin`)
 *   or the user's own action (`none`: typed into the address bar, a bookmark);
 * - requests whose `Origin`, when sent, is the origin they were sent to: the same scheme (`site.scheme`),
 *   host and port. Clients that are not browsers (curl, servers) send neither header.
 */
export function defaultCredentialsRefusal(site: RequestSite, allowedHosts: readonly string[]): string | null {
  const names = [site.host, ...(site.forwardedHost ?? '').split(',')]
    .map((h) => h?.trim() ?? '')
    .filter((h, i) => i === 0 || h !== '');
  for (const [i, name] of names.entries()) {
    const hostname = hostnameOf(name);
    if (hostname === null || !(LOOPBACK.has(hostname) || allowedHosts.includes(hostname))) {
      // The header and the rule, never the value: it is the client's text, reflected to whoever reads the answer.
      const header = i === 0 ? 'Host' : 'X-Forwarded-Host';
      return (
        `The default credentials serve only requests sent to localhost, 127.0.0.1, [::1] or a host ` +
        `listed in GATEWAY_ALLOWED_HOSTS, and the ${header} header of this request is none of them: ` +
        `send credentials of your own (Authorization, and on Nscale X-Organization-Id). GATEWAY_ALLOWED_HOSTS is ` +
        `for names the operator publishes; behind a proxy, have it forward the name clients used (Host, X-Forwarded-Host).`
      );
    }
  }
  const fetchSite = site.fetchSite?.trim().toLowerCase();
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    // Only the values browsers send are named; anything else is the client's text.
    const said = FOREIGN_FETCH_SITES.has(fetchSite) ? `is ${fetchSite}` : 'is neither same-origin nor none';
    return `A request from another site (its Sec-Fetch-Site header ${said}) must carry its own credentials: ${OWN_PAGES}`;
  }
  return isCrossSite(site)
    ? 'A request from another site (its Origin header is not the scheme, host and port it was sent to) ' +
        `must carry its own credentials: ${OWN_PAGES}`
    : null;
}

/** `localhost`, `10.0.0.5`, `[::1]` (lower case, without the port) from a Host value; null when it is none. */
function hostnameOf(host: string): string | null {
  if (!/^[^\s/\\@?#]+$/.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/**
 * Whether a browser request was made from another site: its `Origin`, when sent, is not the origin
 * (scheme, host and port) it was sent to: `site.scheme` with the `Host` or `X-Forwarded-Host`. A page
 * on `http://` is another site than the same name on `https://` (and the other way round): a
 * plain-text page on the gateway's name, which anyone on the network path can write, must not borrow
 * what the TLS one may. Same-site pages (GraphiQL served by the gateway itself) and clients that send
 * no `Origin` (curl, servers) are not.
 */
function isCrossSite(site: RequestSite): boolean {
  if (!site.origin) return false;
  let origin: string;
  try {
    origin = new URL(site.origin).origin;
  } catch {
    return true; // "null" (sandboxed frames, file:// pages) and malformed values are foreign.
  }
  return ![site.host, site.forwardedHost].some((host) => host && originOf(site.scheme, host) === origin);
}

/** `https://gateway.example.com` from the scheme and a Host value (a default port dropped), or null. */
function originOf(scheme: string, host: string): string | null {
  const name = host.split(',')[0]!.trim();
  if (!/^https?$/.test(scheme) || !/^[^\s/\\@?#]+$/.test(name)) return null;
  try {
    return new URL(`${scheme}://${name}`).origin;
  } catch {
    return null;
  }
}

/**
 * The caller's credentials, or why there are none. `allowedHosts` and the site decide whether a
 * caller who sent none may have `fallback` (`defaultCredentialsRefusal`): without that rule any web
 * page a user visits could spend the demo tenant's or, in single-tenant mode, the operator's credit
 * (a cross-site form post or WebSocket needs no preflight).
 */
export function resolveCredentials(
  caller: Pick<Caller, 'credentials' | 'site'>,
  fallback: Credentials | null,
  allowedHosts: readonly string[],
): CredentialsOutcome {
  const { authorization, token, organizationId } = caller.credentials;
  if (!authorization && !organizationId) {
    const refusal = fallback ? defaultCredentialsRefusal(caller.site, allowedHosts) : null;
    if (refusal) return refuse(refusal);
    if (fallback) return { ok: true, provider: 'nscale', credentials: fallback };
    return refuse(
      'Credentials are required: send "Authorization: Bearer <service token>" and "X-Organization-Id: ' +
        '<organization id>" (over WebSocket, connectionParams "authorization" and "organizationId").',
    );
  }
  if (!authorization) {
    return refuse('An organization id was sent without a token: send "Authorization: Bearer <service token>" with it.');
  }
  if (!token) {
    return refuse('The Authorization value must have the form "Bearer <service token>".');
  }
  if (!organizationId) {
    return refuse(
      'A token was sent without an organization id: send "X-Organization-Id: <organization id>" with ' +
        'it (over WebSocket, connectionParams "organizationId").',
    );
  }
  return { ok: true, provider: 'nscale', credentials: { token, organizationId } };
}

/** What a provider's requests resolve against: its fallback credentials (or null). */
export interface ProviderAccess {
  name: ProviderName;
  fallback: { token: string; organizationId?: string } | null;
}

/**
 * The request's provider (`X-Provider`, `connectionParams.provider`; none: the first enabled) and the
 * caller's credentials there. A provider that is unknown or not enabled is BAD_USER_INPUT naming the
 * enabled ones. Nscale's credentials are a token and an organization (`resolveCredentials`); Together's
 * a bearer token alone: an organization id sent along is not Together's and is not forwarded.
 */
export function resolveProviderCredentials(
  caller: Pick<Caller, 'credentials' | 'site'>,
  enabled: readonly ProviderAccess[],
  allowedHosts: readonly string[],
): CredentialsOutcome {
  const asked = caller.credentials.provider?.toLowerCase() ?? null;
  const access = asked === null ? enabled[0] : enabled.find((p) => p.name === asked);
  if (!access) {
    const names = enabled.map((p) => p.name).join(', ');
    const shown = JSON.stringify((caller.credentials.provider ?? '').slice(0, 40));
    return {
      ok: false,
      error: gatewayError('BAD_USER_INPUT', `provider: ${shown} is not a provider this gateway serves: ${names}`, {
        field: 'provider',
      }),
    };
  }
  if (access.name === 'nscale') {
    const outcome = resolveCredentials(caller, access.fallback as Credentials | null, allowedHosts);
    // A bearer token alone on a request that named no provider: perhaps another provider's key (a
    // Together key sent without X-Provider), which the Nscale refusal alone would not tell its sender.
    const others = enabled.filter((p) => p.name !== 'nscale').map((p) => p.name);
    if (outcome.ok || asked !== null || others.length === 0) return outcome;
    if (!caller.credentials.token || caller.credentials.organizationId) return outcome;
    return refuse(
      `${outcome.error.message} A request that names no provider runs on nscale: if the token is a key of ` +
        `another provider (${others.join(', ')}), name it: "X-Provider: ${others[0]}" (over WebSocket, connectionParams "provider").`,
    );
  }
  const { authorization, token } = caller.credentials;
  if (!authorization) {
    const refusal = access.fallback ? defaultCredentialsRefusal(caller.site, allowedHosts) : null;
    if (refusal) return refuse(refusal);
    if (access.fallback) return { ok: true, provider: access.name, credentials: { token: access.fallback.token } };
    return refuse(
      'Credentials are required: send "Authorization: Bearer <Together API key>" (over WebSocket, connectionParams "authorization").',
    );
  }
  if (!token) return refuse('The Authorization value must have the form "Bearer <Together API key>".');
  return { ok: true, provider: access.name, credentials: { token } };
}

function refuse(message: string): CredentialsOutcome {
  return { ok: false, error: gatewayError('UNAUTHENTICATED', message) };
}
