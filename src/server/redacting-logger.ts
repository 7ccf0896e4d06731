/**
 * The gateway's logger: the given one's level, bindings and destination, with every line scrubbed of
 * the secrets in flight (src/secrets) after it is serialised (so that an error's message, a
 * library's free text and a JSON-escaped echo are all covered), and, belt and braces, pino's
 * `redact` on the paths where credentials would sit if anything ever logged them as fields.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { SecretRedactor } from '../secrets/secret-redactor.js';

const CREDENTIAL_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'accessToken',
  '*.accessToken',
  'variables',
  '*.variables',
  'connectionParams',
  '*.connectionParams',
];

export function redactingLogger(logger: Logger, redactor: SecretRedactor): Logger {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  const root = pino(
    {
      level: logger.level,
      redact: { paths: CREDENTIAL_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: (line) => redactor.scrubJson(line) },
    },
    stream,
  );
  return root.child(logger.bindings());
}
