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
  /** The embedded simulator, when the gateway runs on one. */
  simulator: Simulator | null;
  close(): Promise<void>;
}

export async function startFromConfig(settings: Settings, rootLogger: Logger): Promise<RunningGateway> {
  try {
    const composed = await composeGateway(settings, { logger: rootLogger });
    return { ...composed, server: composed.server!, url: composed.server!.url };
  } catch (error) {
    throw listenError(error, settings);
  }
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
