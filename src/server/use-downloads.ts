/**
 * Serves the gateway's own download links, `GET /downloads/<grant>` (and `HEAD`), which Together's
 * `downloadUrl` hands out (src/resolvers/download-link.ts): the grant is looked up in the database
 * (an unknown one is 404, an expired one 410, neither asks the upstream anything), and the file is
 * fetched from the configured Together origin with the key sealed in the grant, then streamed to the
 * client as it comes, never held (download-stream.ts; the headers that pass are download-response.ts's).
 *
 * The client leaving ends the upstream exchange: yoga's request signal aborts it, and the ponyfill
 * destroys the body it pipes. The key is held by the redactor for as long as the transfer lasts, so
 * that no log line written meanwhile holds it; the grant's id never reaches the request log
 * (use-request-log.ts logs the path's template), nor a metric (outcomes only) nor a trace (the
 * upstream span names the route's template).
 *
 * A link is no credential of its own: whoever holds it reads the file. At most MAX_TRANSFERS of one
 * link run at once on an instance (a download manager opens a few; a link posted somewhere would
 * otherwise make this gateway fetch with its owner's key as often as it is clicked).
 */
import { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { DOWNLOADS_PATH, type DownloadLinks } from '../resolvers/download-link.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { DownloadOutcome } from '../telemetry/download-metrics.js';
import { dropBody } from '../upstream/together/download-stream.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { DownloadGrantLookup, OpenedDownloadGrant } from '../webhooks/download-grant-store.js';
import { unreachable } from '../webhooks/store-unavailable.js';
import { fileNameOf, passedResponse, refusalResponse, upstreamRefusal, type Refusal } from './download-response.js';
import type { RequestScopes } from './use-request-id.js';

/** Transfers of one link running at once on this instance; more are refused (429) until one ends. */
export const MAX_TRANSFERS = 4;

export interface DownloadsOptions {
  /** The grants and their store; null: no link exists (every path answers 404). */
  links: DownloadLinks | null;
  /** The Together client (its configured origin, timeouts and observer); null when Together is off. */
  together: TogetherClient | null;
  /** The gateway's clock (ms since the epoch): what a grant's expiry is compared with. */
  now: () => number;
  redactor: SecretRedactor;
  scopes: RequestScopes;
  /** Counts each request by how it ended (GatewayMetrics.download). */
  count?: (outcome: DownloadOutcome) => void;
}

const refusals = {
  unknown: { status: 404, message: 'No such download link.', outcome: 'unknown' },
  expired: {
    status: 410,
    message: 'This download link has expired: ask for downloadUrl again for a new one.',
    outcome: 'expired',
  },
  busy: {
    status: 429,
    message: `This download link is being downloaded ${MAX_TRANSFERS} times at once already: try again when one ends.`,
    outcome: 'busy',
    headers: { 'retry-after': '5' },
  },
  error: { status: 503, message: 'The download could not be served right now: try again shortly.', outcome: 'error' },
  // Nobody reads it: the client left before the upstream answered.
  aborted: { status: 499, message: 'The client closed the request.', outcome: 'aborted' },
} satisfies Record<string, Refusal>;

type OnRequestPayload = Parameters<NonNullable<Plugin['onRequest']>>[0];

export function useDownloads(options: DownloadsOptions): Plugin {
  const transfers = new Map<string, number>();
  return {
    // Synchronous for every other path: no promise made per request for the requests this is not.
    onRequest(payload) {
      if (payload.url.pathname.startsWith(DOWNLOADS_PATH)) return serve(payload);
    },
  };

  async function serve({ request, url, endResponse, fetchAPI, serverContext }: OnRequestPayload): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      endResponse(
        new fetchAPI.Response('A download link is read with GET or HEAD.\n', {
          status: 405,
          headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
        }),
      );
      return;
    }
    const id = url.pathname.slice(DOWNLOADS_PATH.length);
    const refuse = (refusal: Refusal) => {
      options.count?.(refusal.outcome);
      return refusalResponse(refusal, fetchAPI.Response);
    };
    const lookup = await lookUp(options, id).catch((error: unknown) => {
      const log = options.scopes.of(request).log;
      // The database out of reach is an outage, not a bug: a warning, without the driver's error.
      if (unreachable(error) !== null) log.warn('download link: the database cannot be reached');
      else log.error({ err: error }, 'download link: the grant could not be read');
      return null;
    });
    if (!lookup) return endResponse(refuse(refusals.error));
    if (lookup.kind !== 'valid') return endResponse(refuse(refusals[lookup.kind]));
    if ((transfers.get(id) ?? 0) >= MAX_TRANSFERS) return endResponse(refuse(refusals.busy));
    transfers.set(id, (transfers.get(id) ?? 0) + 1);
    const release = options.redactor.hold([lookup.grant.credentials.token, id]);
    const done = () => {
      release();
      const left = (transfers.get(id) ?? 1) - 1;
      if (left > 0) transfers.set(id, left);
      else transfers.delete(id);
    };
    try {
      endResponse(await transfer(options, { request, serverContext }, lookup.grant, done, fetchAPI.Response));
    } catch (error) {
      const log = options.scopes.of(request).log;
      const refusal = request.signal.aborted ? refusals.aborted : (upstreamRefusal(error) ?? refusals.error);
      // Logged while the key is still held by the redactor.
      if (refusal === refusals.error) log.error({ err: error }, 'download link: the download failed');
      else log.info({ outcome: refusal.outcome, upstreamStatus: statusOf(error) }, 'download link refused');
      done();
      endResponse(refuse(refusal));
    }
  }
}

async function lookUp(options: DownloadsOptions, id: string): Promise<DownloadGrantLookup> {
  if (!options.links || !options.together) return { kind: 'unknown' };
  return options.links.grants.openDownloadGrant(id, new Date(options.now()));
}

/** The upstream's file, streamed to the client; `done` runs once the transfer ended, however it ended. */
async function transfer(
  options: DownloadsOptions,
  { request, serverContext }: { request: Request; serverContext: unknown },
  grant: OpenedDownloadGrant,
  done: () => void,
  Res: typeof Response,
): Promise<Response> {
  const download = await options.together!.openDownload(grant.credentials, grant.upstreamPath, {
    signal: request.signal,
    requestId: options.scopes.of(request).requestId,
    range: request.headers.get('range'),
    ifRange: request.headers.get('if-range'),
  });
  options.count?.('served');
  const body = request.method === 'HEAD' ? null : download.body;
  if (body === null) {
    if (download.body) dropBody(download.body);
    done();
  } else {
    body.once('close', done);
    // The client left (the body was destroyed: nothing to do), or the upstream cut the transfer: then
    // the client's connection is cut too, so that it sees the file incomplete instead of waiting.
    body.once('error', () => {
      if (request.signal.aborted) return;
      options.scopes.of(request).log.warn('download link: the upstream cut the transfer');
      nodeResponseOf(serverContext)?.destroy();
    });
  }
  return passedResponse(download, body, fileNameOf(grant), Res);
}

/** The Node response under yoga's adapter (`serverContext.res`), or null (yoga.fetch). */
function nodeResponseOf(serverContext: unknown): ServerResponse | null {
  const res = (serverContext as { res?: unknown } | null | undefined)?.res;
  return res instanceof ServerResponse ? res : null;
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}
