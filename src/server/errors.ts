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
    // Our own refusals and yoga's parse/validation errors already speak the vocabulary.
    if (typeof original.extensions.code === 'string') return error as GraphQLError;
    // A GraphQLError without a code comes from graphql-js itself (variable coercion, for example):
    // it describes the client's document, so it is theirs to read.
    if (!(original.originalError && !(original.originalError instanceof GraphQLError))) {
      const outer = error as GraphQLError;
      return new GraphQLError(outer.message, {
        nodes: outer.nodes,
        path: outer.path,
        extensions: { ...outer.extensions, code: 'BAD_USER_INPUT' },
      });
    }
  }
  onInternal?.(error);
  return new GraphQLError(MASKED_MESSAGE, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
