/**
 * Limits on what one operation may ask for, so that a single request cannot make the gateway (and
 * through it the upstream) do unbounded work: depth, aliases, directives, tokens and a cost budget,
 * enforced by graphql-armor during parsing and validation. A refusal carries the code
 * OPERATION_LIMIT_EXCEEDED (armor leaves its errors without a code).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface OperationLimits {
  /** Deepest selection nesting. @default 12 */
  maxDepth?: number;
  /** Most aliases in one operation. @default 30 */
  maxAliases?: number;
  /** Most directives in one operation. @default 30 */
  maxDirectives?: number;
  /** Most lexical tokens in one document. @default 3000 */
  maxTokens?: number;
  /** Cost budget of one operation (armor's default weights: 1 per scalar, 2 per object, × depth). @default 5000 */
  maxCost?: number;
}

const tagged = (_ctx: unknown, error: GraphQLError) => {
  // graphql-js does not freeze extensions: giving armor's errors the vocabulary's code here means
  // clients can tell "ask for less" from any other validation failure.
  (error.extensions as Record<string, unknown>).code = 'OPERATION_LIMIT_EXCEEDED';
};

export function useOperationLimits(limits: OperationLimits = {}): Plugin {
  const reject = { onReject: [tagged], propagateOnRejection: true };
  return EnvelopArmorPlugin({
    // Suggestions ("Did you mean …?") stay on: the schema is public and they help people exploring.
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: limits.maxDepth ?? 12, ignoreIntrospection: true, ...reject },
    maxAliases: { n: limits.maxAliases ?? 30, ...reject },
    maxDirectives: { n: limits.maxDirectives ?? 30, ...reject },
    maxTokens: { n: limits.maxTokens ?? 3000, ...reject },
    costLimit: { maxCost: limits.maxCost ?? 5000, ignoreIntrospection: true, ...reject },
  }) as Plugin;
}
