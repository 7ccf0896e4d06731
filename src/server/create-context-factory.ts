/**
 * The gateway's context factory: for each HTTP request, and each WebSocket operation (or shared
 * subscription group), the caller's credentials resolved (credentials.ts), the secrets the operation
 * carries held in the redactor, and the signal and request id its upstream calls run with.
 */
import type { IncomingMessage } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import { createGatewayContext, type GatewayContext, type GatewayServices } from '../resolvers/context.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { RequestScope } from '../telemetry/request-scope.js';
import type { Credentials } from '../upstream/types.js';
import {
  defaultCredentialsRefusal,
  requestSite,
  resolveCredentials,
  type PresentedCredentials,
} from './credentials.js';
import { requestSecrets } from './request-secrets.js';
import type { RequestScopes } from './use-request-id.js';
import type { ShutdownDrain } from './use-shutdown-drain.js';

/** What transports put in the server context: a WebSocket brings its connectionParams. */
export interface TransportContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  /** The HTTP request (the WebSocket upgrade request, over WebSocket). */
  req?: IncomingMessage;
  /** Aborted when the subscription or connection ends. */
  signal?: AbortSignal;
  /** Over WebSocket, the connection's request id and logger (there is no fetch Request to key them by). */
  requestScope?: RequestScope;
}

export interface ContextFactoryOptions {
  services: GatewayServices;
  /** Credentials for callers who send none, or null (see GatewayOptions). */
  fallbackCredentials: Credentials | null;
  allowedHosts: readonly string[];
  redactor: SecretRedactor;
  scopes: RequestScopes;
  drain: ShutdownDrain;
}

export function createContextFactory(
  options: ContextFactoryOptions,
): (initial: YogaInitialContext & TransportContext) => GatewayContext {
  const { services, fallbackCredentials, allowedHosts, redactor, scopes, drain } = options;
  return (initial) => {
    const { request, req, connectionParams, signal, params } = initial;
    if (connectionParams) {
      // Over WebSocket yoga's request hooks (useSecretScope) do not run: hold the operation's secrets here.
      const release = redactor.hold(
        requestSecrets({
          authorization: connectionParams.authorization,
          variables: params?.variables,
          query: params?.query,
        }),
      );
      if (signal?.aborted) release();
      else signal?.addEventListener('abort', release, { once: true });
    }
    // Over WebSocket the page's origin and the host it was sent to are on the upgrade request. Read
    // only when default credentials exist: it parses the request's URL.
    const site = () =>
      connectionParams
        ? requestSite((name) => req?.headers[name])
        : requestSite((name) => request.headers.get(name), new URL(request.url).host);
    const presented: PresentedCredentials = {
      ...(connectionParams
        ? {
            authorization: stringParam(connectionParams, 'authorization', 'Authorization'),
            organizationId: stringParam(connectionParams, 'organizationId', 'organization_id', 'X-Organization-Id'),
          }
        : {
            authorization: request.headers.get('authorization'),
            organizationId: request.headers.get('x-organization-id'),
          }),
      defaultRefusal: fallbackCredentials ? defaultCredentialsRefusal(site(), allowedHosts) : null,
    };
    const outcome = resolveCredentials(presented, fallbackCredentials);
    // Every upstream call of the operation carries its request's id (the upstream gets it, the client logs it).
    const requestId = scopes.ofContext(initial)?.requestId;
    // A subscription's signal is its own (it ends at shutdown with its socket or stream); a request's
    // upstream calls may also be ended by the shutdown (use-shutdown-drain.ts).
    if (signal) return createGatewayContext(services, outcome, { signal, requestId });
    const drained = drain.signalFor(request.signal);
    const context = createGatewayContext(services, outcome, { signal: drained.signal, requestId });
    drained.mark(context);
    return context;
  };
}

function stringParam(params: Readonly<Record<string, unknown>>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}
