/**
 * What clients see when something goes wrong: this file decides, nowhere else.
 *
 * Every error a client receives carries `extensions.code` from one closed vocabulary. Upstream
 * failures keep the client's code and its user-facing message; the gateway's own refusals are
 * GraphQLErrors created here; anything else (a bug, a library's internal error) is masked as
 * INTERNAL_SERVER_ERROR and logged, never shown.
 */
import { GraphQLError } from 'graphql';
import { isUpstreamError, type UpstreamErrorCode } from '../upstream/errors.js';

export type ErrorCode =
  | UpstreamErrorCode
  | 'OPERATION_LIMIT_EXCEEDED'
  | 'INTERNAL_SERVER_ERROR'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED';

export interface Problem {
  /** Path inside the input, such as `hyperparameters.batchSize`. */
  field: string;
  /** Sentence naming the field, the value and the rule. */
  message: string;
}

/** A refusal by the gateway itself, with a code from the vocabulary above. */
export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export function badUserInput(field: string, message: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, { field });
}

/**
 * Several problems with one input, reported together: `useInputProblems` turns this one error into
 * one GraphQL error per problem, each with its own `extensions.field`.
 */
export class InputProblems extends GraphQLError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(problems.map((p) => p.message).join('; '), { extensions: { code: 'BAD_USER_INPUT' } });
    this.problems = problems;
  }
}

const MASKED_MESSAGE = 'Unexpected error.';

const VOCABULARY: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'INSUFFICIENT_CREDIT',
  'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_OUTCOME_UNKNOWN', 'OPERATION_LIMIT_EXCEEDED', 'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
]);

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
    const extensions: Record<string, unknown> = { code: original.code };
    if (original.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = original.retryAfterSeconds;
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions,
    });
  }
  if (original instanceof GraphQLError) {
    const outer = error as GraphQLError;
    const code = original.extensions.code;
    // Our own refusals and yoga's parse/validation errors already speak the vocabulary.
    if (typeof code === 'string' && VOCABULARY.has(code)) return outer;
    // yoga's refusals of the request itself (BAD_REQUEST: no query, invalid JSON, a mutation over
    // GET) are the client's input too; their HTTP status stays, their inner error does not.
    if (typeof code === 'string') {
      const message = original.originalError instanceof SyntaxError ? 'The request body is not valid JSON.' : original.message;
      const http = original.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
      // Without yoga's `spec` flag the status holds for every Accept type: a malformed request is a 4xx.
      return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(http ? { http: { status: http.status, headers: http.headers } } : {}) } });
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
