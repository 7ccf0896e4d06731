/**
 * The one mapping from the upstream client's failures to the gateway's vocabulary. The client knows no
 * GraphQL: its `UpstreamError` carries a stable code of its own and a message written for users
 * (never a token), so both pass through; the table below is where the two vocabularies meet, and the
 * type checker fails here if the client grows a code the gateway has not placed.
 */
import { GraphQLError, type ASTNode } from 'graphql';
import type { UpstreamError, UpstreamErrorCode } from '../upstream/errors.js';
import type { ErrorCode } from './error-code.js';

const CODE_OF: Readonly<Record<UpstreamErrorCode, ErrorCode>> = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  INSUFFICIENT_CREDIT: 'INSUFFICIENT_CREDIT',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_OUTCOME_UNKNOWN: 'UPSTREAM_OUTCOME_UNKNOWN',
};

/** Where in the operation the failure happened, when it happened in a resolver. */
export interface ErrorLocation {
  nodes?: ReadonlyArray<ASTNode> | undefined;
  path?: ReadonlyArray<string | number> | undefined;
}

/** The client's view of an upstream failure: its code, its message, and how long to wait when the upstream said. */
export function fromUpstreamError(error: UpstreamError, at: ErrorLocation = {}): GraphQLError {
  const extensions: Record<string, unknown> = { code: CODE_OF[error.code] };
  if (error.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.retryAfterSeconds;
  if (error.field !== undefined) extensions.field = error.field;
  // An upload that stored its file though the call failed: the id to find it by, not to upload it twice.
  if (error.fileId !== undefined) extensions.fileId = error.fileId;
  // The gateway's own limit says `limitedBy: "gateway"` (src/server/create-rate-limit.ts).
  if (error.code === 'RATE_LIMITED') extensions.limitedBy = 'upstream';
  const message = error.advice === undefined ? error.message : `${error.message} ${error.advice}`;
  return new GraphQLError(message, { nodes: at.nodes, path: at.path, extensions });
}
