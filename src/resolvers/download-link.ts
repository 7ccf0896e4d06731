/**
 * Together's `downloadUrl`: a link of the gateway's own, `<origin>/downloads/<grant>`. Together serves
 * a fine-tune's weights only to the holder of the account's key, so its own URL is of no use to a
 * browser or a dashboard; the gateway's link fetches them with the caller's key (sealed in the
 * database, src/webhooks/download-grant-store.ts) for whoever holds it, until it expires, like the
 * pre-signed URL Nscale hands out. src/server/use-downloads.ts serves it.
 *
 * Reuse: the same caller (the same key) asking again for the same job's weights while a grant has more
 * than half its life left gets the same link, so that a dashboard polling a completed job makes no row
 * per poll, and asks Together nothing (the job was read with the caller's key already: it is theirs).
 * A new grant is made only after `getDownloadUrl` checked the job and built the upstream path.
 *
 * The link is made on DOWNLOAD_LINK_BASE_URL when the operator set it (the URL clients use, behind a
 * proxy that terminates TLS), else on the request's own origin (yoga's request URL, from its Host):
 * the gateway trusts no `X-Forwarded-Host` or `-Proto` for it.
 */
import type { IncomingMessage } from 'node:http';
import { gatewayError } from '../errors/gateway-error.js';
import { togetherLiveCredentials } from '../providers/together-live-client.js';
import type { BearerCredentials } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { DownloadGrantKey, DownloadGrantStore, IssuedDownloadGrant } from '../webhooks/download-grant-store.js';
import { unreachable } from '../webhooks/store-unavailable.js';
import type { GatewayContext } from './context.js';

/** Where the gateway serves its download links (src/server/use-downloads.ts). */
export const DOWNLOADS_PATH = '/downloads/';

/** What making a download link needs: the database's grants and their lifetime. Null in GatewayServices without a database. */
export interface DownloadLinks {
  grants: DownloadGrantStore;
  /** DOWNLOAD_LINK_TTL_SECONDS, in ms. */
  ttlMs: number;
  /** DOWNLOAD_LINK_BASE_URL, without a trailing slash; null: the request's origin. */
  baseUrl: string | null;
}

export interface DownloadLink {
  url: string;
  /**
   * Until when, on the gateway's clock, an answer holding this link may be served again: while the
   * link is one a fresh answer would hand out (more than half its life left), so that a cached answer
   * never outlives the link, and always leaves its reader half a lifetime to use it.
   */
  reusableUntil: number;
}

export interface DownloadTarget {
  /** Together's own job id (`ft-…`). */
  jobId: string;
  artifact: DownloadGrantKey['artifact'];
  step: number | null;
}

export async function togetherDownloadLink(
  ctx: GatewayContext,
  links: DownloadLinks,
  together: { client: TogetherClient; creds: BearerCredentials },
  target: DownloadTarget,
): Promise<DownloadLink> {
  const origin = links.baseUrl ?? requestOrigin(ctx);
  const now = ctx.services.now();
  const key: DownloadGrantKey = {
    provider: 'together',
    ownerKey: togetherLiveCredentials(together.creds.token).organizationId,
    ...target,
  };
  // Two fields of one answer asking for the same weights at once (a job's link and its final checkpoint's)
  // share the grant being made; once it is made, the next finds it in the database. (Not kept longer: a
  // subscription's context lives for hours.)
  const asked = making.get(ctx) ?? new Map<string, Promise<IssuedDownloadGrant>>();
  making.set(ctx, asked);
  const name = [key.ownerKey, key.jobId, key.artifact, key.step ?? ''].join('\n');
  let grant = asked.get(name);
  if (!grant) {
    grant = grantFor(ctx, links, together, key, now).finally(() => asked.delete(name));
    asked.set(name, grant);
  }
  const { id, expiresAt } = await grant;
  return { url: `${origin}${DOWNLOADS_PATH}${id}`, reusableUntil: expiresAt.getTime() - links.ttlMs / 2 };
}

/** The grants each operation is getting now, by the weights they serve. */
const making = new WeakMap<GatewayContext, Map<string, Promise<IssuedDownloadGrant>>>();

/** A grant of `key` with more than half its life left: one made lately, or a new one. */
async function grantFor(
  ctx: GatewayContext,
  links: DownloadLinks,
  together: { client: TogetherClient; creds: BearerCredentials },
  key: DownloadGrantKey,
  now: number,
): Promise<IssuedDownloadGrant> {
  const reused = await links.grants.reusableDownloadGrant(key, new Date(now + links.ttlMs / 2)).catch(databaseFailure);
  if (reused) return reused;
  const url = await together.client.getDownloadUrl(together.creds, key.jobId, {
    ...ctx.call,
    artifact: key.artifact,
    ...(key.step === null ? {} : { step: key.step }),
  });
  const fresh = {
    ...key,
    upstreamPath: `${url.pathname}${url.search}`,
    credentials: { token: together.creds.token },
    expiresAt: new Date(now + links.ttlMs),
  };
  return links.grants.issueDownloadGrant(fresh, new Date(now)).catch(databaseFailure);
}

/**
 * The origin the caller reached the gateway at: the HTTP request's URL (yoga builds it from the Host
 * header), or over WebSocket the upgrade request's Host. Only its scheme, host and port are used.
 */
export function requestOrigin(ctx: GatewayContext): string {
  const { request, req } = ctx as GatewayContext & { request?: Request; req?: IncomingMessage };
  const host = req?.headers.host;
  const candidate = request?.url ?? (host ? `http://${host}/` : null);
  if (candidate !== null && URL.canParse(candidate)) return new URL(candidate).origin;
  throw gatewayError('BAD_USER_INPUT', 'downloadUrl: the request names no host (a Host header) to make the link on.');
}

/** The database out of reach: a coded refusal; anything else (a coded refusal of the store itself, a bug) as it is. */
function databaseFailure(error: unknown): never {
  if (unreachable(error) !== null)
    throw gatewayError(
      'SERVICE_UNAVAILABLE',
      "downloadUrl: this gateway's database (DATABASE_URL) cannot be reached, so no download link could " +
        'be made or found. Try again shortly.',
    );
  throw error;
}
