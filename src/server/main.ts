/** `npm start`: the gateway, configured from the environment (see config.ts and the README). */
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { StartError, startFromConfig, upstreamLines } from './start.js';
import { releaseStartupMemory } from './release-startup-memory.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

// stdout, written synchronously unless LOG_WRITES=async (config-variables.ts says what each costs).
const destination = pino.destination({ dest: 1, sync: config.logWrites === 'sync' });
const logger = pino(
  {
    level: config.logLevel,
    // Belt and braces: nothing logs credentials, and these paths are censored if anything ever tries.
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'accessToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  },
  destination,
);

/**
 * An error nothing handled (a rejected promise included) ends the process, as Node would, but as one
 * JSON line at level fatal through the gateway's logger, which scrubs the secrets in flight: Node's
 * own report is a stack on stderr, unscrubbed, that a log pipeline reading JSON would not parse.
 */
let fatalLogger = logger;
process.on('uncaughtException', (error, origin) => {
  fatalLogger.fatal({ err: error, origin }, 'an error nothing handled; exiting');
  try {
    destination.flushSync();
  } catch {
    // Nothing buffered (sync writes), or stdout is gone: nowhere else to say it.
  }
  process.exit(1);
});

let running;
try {
  running = await startFromConfig(config, logger);
} catch (error) {
  if (error instanceof StartError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
fatalLogger = running.gateway.logger;
const endpoint = `${running.url.replace('127.0.0.1', 'localhost')}/graphql`;
for (const line of upstreamLines(config, running)) logger.info(line);
logger.info(
  running.metricsServer
    ? `metrics: Prometheus scrapes ${running.metricsServer.url} (METRICS_HOST/METRICS_PORT; not on the public port)`
    : 'metrics: off (METRICS_ENABLED=false)',
);
logger.info(
  config.tracing
    ? `tracing: on, spans of service "${config.tracing.serviceName}" exported to ${config.tracing.tracesUrl} (OTLP/HTTP)`
    : 'tracing: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)',
);
if (config.switches.graphiql) {
  logger.info(`GraphQL gateway ready: open GraphiQL at ${endpoint}`);
  console.log(`\n  GraphiQL: ${endpoint}\n`);
} else {
  // Not "open GraphiQL": a browser gets 406 there (client trial).
  logger.info(`GraphQL gateway ready at ${endpoint} (GraphiQL off: GRAPHIQL_ENABLED=false)`);
  console.log(`\n  GraphQL: ${endpoint}\n`);
}
releaseStartupMemory();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining`);
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
