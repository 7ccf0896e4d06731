/**
 * What clients see when something goes wrong: this file decides, nowhere else.
 *
 * Every error a client receives carries `extensions.code` from the closed vocabulary of src/errors.
 * Upstream failures go through its one mapping (`fromUpstreamError`); the gateway's own refusals
 * (`gatewayError`, `badUserInput`, `InputProblems`) already speak it; anything else (a bug, a
 * library's internal error) is masked as INTERNAL_SERVER_ERROR and logged, never shown.
 */
import { GraphQLError } from 'graphql';
import { isErrorCode } from '../errors/error-code.js';
import { fromUpstreamError } from '../errors/from-upstream-error.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { isUpstreamError } from '../upstream/errors.js';

const MASKED_MESSAGE = 'Unexpected error.';

/**
 * graphql-js writes the whole value of a variable it could not coerce into its message
 * (`Variable "$input" got invalid value { …, accessToken: "hf_…" } at "input.x"; Field … was not provided.`),
 * which would hand a secret back to the client and to every log on the way. Keep the variable, the
 * path and the rule; drop the value.
 */
function withoutEchoedValue(error: GraphQLError): string {
  const inner = error.originalError;
  const head = /^Variable "(\$[^"]+)" got invalid value /.exec(error.message);
  if (!head || !(inner instanceof Error) || !error.message.endsWith(`; ${inner.message}`)) return error.message;
  const before = error.message.slice(0, error.message.length - inner.message.length - 2);
  const at = / at "([^"]*)"$/.exec(before);
  return `Variable "${head[1]}" got an invalid value${at ? ` at "${at[1]}"` : ''}; ${inner.message}`;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Maps any error thrown in a resolver or a subscription source to what the client may see.
 * `onInternal` hears about masked errors so that they are logged with their stack.
 */
export function toClientError(error: unknown, onInternal?: (error: unknown) => void): GraphQLError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;

  if (isUpstreamError(original)) {
    return fromUpstreamError(original, error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {});
  }
  if (original instanceof GraphQLError) {
    const outer = error as GraphQLError;
    const code = original.extensions.code;
    // Our own refusals and yoga's parse/validation errors already speak the vocabulary.
    if (isErrorCode(code)) return outer;
    // yoga's refusals of the request itself (BAD_REQUEST: no query, invalid JSON, a mutation over
    // GET) are the client's input too; their HTTP status stays, their inner error does not.
    if (typeof code === 'string') {
      const message =
        original.originalError instanceof SyntaxError ? 'The request body is not valid JSON.' : original.message;
      const http = original.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
      // Without yoga's `spec` flag the status holds for every Accept type: a malformed request is a 4xx.
      return new GraphQLError(message, {
        extensions: {
          code: 'BAD_USER_INPUT',
          ...(http ? { http: { status: http.status, headers: http.headers } } : {}),
        },
      });
    }
    // A GraphQLError without a code comes from graphql-js itself (variable coercion, for example):
    // it describes the client's document, so it is theirs to read, minus any echo of their values.
    if (!(original.originalError && !(original.originalError instanceof GraphQLError))) {
      return new GraphQLError(withoutEchoedValue(outer), {
        nodes: outer.nodes,
        path: outer.path,
        extensions: { ...outer.extensions, code: 'BAD_USER_INPUT' },
      });
    }
  }
  if (isAbortError(original)) {
    // The caller left (or the gateway is shutting down): nobody reads this answer, nothing to log.
    return new GraphQLError('The request was cancelled.', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
  }
  onInternal?.(error);
  return new GraphQLError(MASKED_MESSAGE, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/**
 * The last step of every error a client reads: its message scrubbed of every secret in flight, in
 * any form (an upstream sentence or a library's message may quote one however it was escaped).
 */
export function scrubbedError(error: GraphQLError, redactor: SecretRedactor): GraphQLError {
  const message = redactor.scrub(error.message);
  if (message === error.message) return error;
  return new GraphQLError(message, { nodes: error.nodes, path: error.path, extensions: error.extensions });
}
