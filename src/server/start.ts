/**
 * `main`'s start: the composition root (compose-gateway.ts) on the settings' port and host, with the
 * failures a user can fix (port taken, no such interface, a bad trusted-documents file) turned into
 * messages naming the setting. main.ts calls `close()` on SIGTERM.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { Simulator } from '../simulator/index.js';
import { composeGateway } from './compose-gateway.js';
import type { Gateway } from './gateway.js';
import type { RunningServer } from './http.js';
import type { RunningMetricsServer } from './metrics-server.js';
import { StartError } from './start-error.js';

export { StartError };

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  server: RunningServer;
  /** The metrics listener, when metrics are on. */
  metricsServer: RunningMetricsServer | null;
  /** The embedded (Nscale) simulator, when the gateway runs on one. */
  simulator: Simulator | null;
  /** The embedded Together simulator, when Together runs on one. */
  togetherSimulator: Simulator | null;
  close(): Promise<void>;
}

export async function startFromConfig(settings: Settings, rootLogger: Logger): Promise<RunningGateway> {
  let composed;
  try {
    composed = await composeGateway(settings, { logger: rootLogger });
  } catch (error) {
    throw listenError(error, settings);
  }
  const exposure = defaultCredentialsExposure(settings);
  if (exposure) composed.gateway.logger.warn(exposure);
  return { ...composed, server: composed.server!, url: composed.server!.url };
}

/** Addresses only this machine reaches: `localhost`, 127.0.0.0/8 and `::1` (IPv4-mapped or not). */
const LOOPBACK_HOST = /^(?:localhost|(?:::ffff:)?127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * The start-up warning of single-tenant mode on an address other machines reach, or null. The default
 * credentials' rule on `Host` (credentials.ts: loopback names, GATEWAY_ALLOWED_HOSTS) stops web pages
 * re-bound to the gateway's address (DNS rebinding), not other clients: any of them can send
 * `Host: localhost` (trial 3, where compose published the port on every interface).
 */
export function defaultCredentialsExposure(
  settings: Pick<Settings, 'host' | 'providers' | 'upstream' | 'together' | 'fallbackCredentials'>,
): string | null {
  const operator = settings.providers
    .map((name) => operatorCredentials(settings, name))
    .filter((names): names is string => names !== null);
  if (operator.length === 0 || LOOPBACK_HOST.test(settings.host)) return null;
  return (
    `single-tenant mode (GATEWAY_SINGLE_TENANT) listening on HOST=${settings.host}, not a loopback address: ` +
    `anyone who can reach this port can use the operator's credentials (${operator.join('; ')}) by sending ` +
    `"Host: localhost" (the default credentials' Host rule stops web pages, not other clients). Listen on ` +
    `loopback (HOST=127.0.0.1, or publish the port on 127.0.0.1 only), or let only a proxy that authenticates ` +
    `its clients reach the port.`
  );
}

/** The settings naming the operator's credentials that callers without theirs get on `name`, or null (none, or a demo tenant). */
function operatorCredentials(
  settings: Pick<Settings, 'upstream' | 'together' | 'fallbackCredentials'>,
  name: Settings['providers'][number],
): string | null {
  if (name === 'nscale')
    return settings.upstream.kind === 'remote' && settings.fallbackCredentials
      ? 'NSCALE_API_TOKEN and NSCALE_ORGANIZATION_ID'
      : null;
  return settings.together?.upstream.kind === 'remote' && settings.together.fallbackToken ? 'TOGETHER_API_KEY' : null;
}

/**
 * The start-up log's account of the providers: which are enabled, then one line per enabled provider
 * naming its upstream (the configured URL, credentials never shown, or the embedded simulator's
 * address, with where its faults are set) and whose credentials its requests run with.
 */
export function upstreamLines(
  settings: Pick<Settings, 'providers' | 'upstream' | 'together' | 'fallbackCredentials'>,
  running: Pick<RunningGateway, 'simulator' | 'togetherSimulator'>,
): string[] {
  const lines = [providersLine(settings.providers)];
  for (const name of settings.providers) {
    const upstream = name === 'nscale' ? settings.upstream : settings.together?.upstream;
    const simulator = name === 'nscale' ? running.simulator : running.togetherSimulator;
    if (upstream?.kind === 'embedded' && simulator)
      lines.push(
        `upstream: ${name} on the embedded simulator at ${simulator.apiBaseUrl} (jobs take ${upstream.jobSeconds} s; ` +
          `faults: ${simulator.origin}/__admin/faults); requests without credentials act as its demo ` +
          (name === 'nscale' ? 'tenant' : 'account'),
      );
    else if (upstream?.kind === 'remote') {
      const operator = operatorCredentials(settings, name);
      lines.push(
        `upstream: ${name} at ${withoutCredentials(upstream.baseUrl)}; credentials come from each request` +
          (operator ? ` (single-tenant mode: requests without them use the operator's ${operator})` : ''),
      );
    }
  }
  return lines;
}

function providersLine(providers: Settings['providers']): string {
  const [first, ...rest] = providers;
  if (rest.length === 0)
    return (
      `providers: ${first} only` +
      (first === 'together' ? ' (NSCALE_API_URL is unset while TOGETHER_API_URL is set: nscale is not enabled)' : '')
    );
  return `providers: ${providers.join(', ')}; a request names one with X-Provider, else ${first} serves it`;
}

/** The URL with any user name and password removed (the settings refuse them; a log line never shows them). */
function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return '[an unreadable URL]';
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

function listenError(error: unknown, { port, host }: Pick<Settings, 'port' | 'host'>): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartError(`PORT=${port}: the port is already in use on ${host}`);
  if (code === 'EACCES')
    return new StartError(`PORT=${port}: not allowed to listen on this port (ports below 1024 need privileges)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new StartError(`HOST=${host}: no such interface on this machine`);
  return error;
}
