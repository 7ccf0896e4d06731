import { GraphQLError } from 'graphql';
import type { ErrorCode } from './error-code.js';

/** A refusal by the gateway itself, with a code from the vocabulary (error-code.ts). */
export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}
