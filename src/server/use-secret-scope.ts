/**
 * Holds each HTTP request's secrets (its caller's, caller.ts, and its operation's, request-secrets.ts)
 * in the gateway's redactor from the moment
 * its parameters are read until its response is sent, so that no log line written meanwhile (yoga's
 * own error logging included, which quotes graphql-js messages that quote variables) and no error
 * the client reads holds them in any form. An SSE stream holds them until the client leaves. An
 * operation carrying more secrets than the bound (request-secrets.ts) is refused before it runs.
 * WebSocket operations are held by the gateway's context factory, since yoga's request hooks do not
 * run there.
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { readCaller } from './caller.js';
import { requestSecrets } from './request-secrets.js';

export function useSecretScope(redactor: SecretRedactor): Plugin {
  const releases = new WeakMap<Request, () => void>();
  return {
    onParams({ request, params, context }) {
      releases.get(request)?.();
      const req = (context as { req?: IncomingMessage }).req;
      const caller = readCaller({ transport: 'http', request, req });
      const callers = redactor.hold(caller.secrets);
      releases.set(request, callers);
      // More secrets than one operation may hold refuse it (HTTP 400, request-secrets.ts), its caller's held meanwhile.
      const operations = redactor.hold(requestSecrets(params));
      releases.set(request, () => {
        callers();
        operations();
      });
    },
    onResponse({ request, response }) {
      const release = releases.get(request);
      if (!release) return;
      releases.delete(request);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream') || request.signal.aborted)
        return release();
      request.signal.addEventListener('abort', release, { once: true });
    },
  };
}
