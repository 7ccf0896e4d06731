/**
 * The gateway's context factory: for each HTTP request, and each WebSocket operation (or shared
 * subscription group), the caller's credentials resolved (caller.ts reads them, credentials.ts
 * decides), the secrets a WebSocket operation carries held in the redactor, and the signal and
 * request id its upstream calls run with.
 */
import type { IncomingMessage } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import { createGatewayContext, type GatewayContext, type GatewayServices } from '../resolvers/context.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { RequestScope } from '../telemetry/request-scope.js';
import type { Credentials } from '../upstream/types.js';
import { readCaller, type Caller } from './caller.js';
import { resolveProviderCredentials, type ProviderAccess } from './credentials.js';
import { requestSecrets } from './request-secrets.js';
import type { RequestScopes } from './use-request-id.js';
import type { ShutdownDrain } from './use-shutdown-drain.js';

/** What transports put in the server context. */
export interface TransportContext {
  /** Over WebSocket, the connection's caller (read from its connectionParams and upgrade request). */
  caller?: Caller;
  /** The HTTP request (the WebSocket upgrade request, over WebSocket). */
  req?: IncomingMessage;
  /** Aborted when the subscription or connection ends. */
  signal?: AbortSignal;
  /** Over WebSocket, the connection's request id and logger (there is no fetch Request to key them by). */
  requestScope?: RequestScope;
  /** Over WebSocket, told when the upstream accepts the connection's credentials (ws/idle-sockets.ts). */
  onUpstreamAccepted?: () => void;
}

export interface ContextFactoryOptions {
  services: GatewayServices;
  /** Credentials for callers who send none, or null (see GatewayOptions). */
  fallbackCredentials: Credentials | null;
  /** Together's key for callers who send none (demo or single-tenant), or null; used when Together is enabled. */
  togetherFallbackToken: string | null;
  /** Host names whose requests may use `fallbackCredentials` (see GatewayOptions). */
  allowedHosts: readonly string[];
  redactor: SecretRedactor;
  scopes: RequestScopes;
  drain: ShutdownDrain;
}

/** The enabled providers, each with the credentials of callers who send none (or null). */
export function providerAccess(
  options: Pick<ContextFactoryOptions, 'services' | 'fallbackCredentials' | 'togetherFallbackToken'>,
): ProviderAccess[] {
  return [...options.services.providers.keys()].map((name) => ({
    name,
    fallback:
      name === 'nscale'
        ? options.fallbackCredentials
        : options.togetherFallbackToken === null
          ? null
          : { token: options.togetherFallbackToken },
  }));
}

export function createContextFactory(
  options: ContextFactoryOptions,
): (initial: YogaInitialContext & TransportContext) => GatewayContext {
  const { services, allowedHosts, redactor, scopes, drain } = options;
  const enabled = providerAccess(options);
  return (initial) => {
    const { request, req, signal, params } = initial;
    if (initial.caller) {
      // Over WebSocket yoga's request hooks (useSecretScope) do not run: the context holds its
      // operation's secrets for as long as it lives (a shared group's context outlives its first member).
      const release = redactor.hold([...initial.caller.secrets, ...requestSecrets(params ?? {})]);
      if (signal?.aborted) release();
      else signal?.addEventListener('abort', release, { once: true });
    }
    const caller = initial.caller ?? readCaller({ transport: 'http', request, req });
    const outcome = resolveProviderCredentials(caller, enabled, allowedHosts);
    // Every upstream call of the operation carries its request's id (the upstream gets it, the client logs it).
    const requestId = scopes.ofContext(initial)?.requestId;
    // A subscription's signal is its own (it ends at shutdown with its socket or stream); a request's
    // upstream calls may also be ended by the shutdown (use-shutdown-drain.ts).
    if (signal) {
      const told = initial.onUpstreamAccepted;
      const reached = told && ((accepted: boolean) => accepted && told());
      return createGatewayContext(services, outcome, { signal, requestId, ...(reached ? { reached } : {}) });
    }
    const drained = drain.signalFor(request.signal);
    const context = createGatewayContext(services, outcome, { signal: drained.signal, requestId });
    drained.mark(context);
    return context;
  };
}
