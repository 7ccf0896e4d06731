/**
 * Limits on what one operation may ask for, so that a single request cannot make the gateway (and
 * through it the upstream) do unbounded work: depth, directives, tokens and a cost budget enforced by
 * graphql-armor during parsing and validation, and field selections and aliases counted by our own
 * rule (selection-count-rule.ts: armor exempts `__typename` and ignores repeated fields). A refusal
 * carries the code OPERATION_LIMIT_EXCEEDED (armor leaves its errors without a code) and comes before
 * any upstream call. The settings that set them are in config.ts (MAX_OPERATION_*).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { selectionCountRule } from './selection-count-rule.js';

export interface OperationLimits {
  /** Deepest selection nesting. @default 12 */
  maxDepth?: number;
  /** Most aliases in one operation, `__typename`'s included. @default 30 */
  maxAliases?: number;
  /** Most field selections in one operation: repeats, `__typename` and each spread of a fragment count. @default 300 */
  maxFields?: number;
  /** Most directives in one operation. @default 30 */
  maxDirectives?: number;
  /** Most lexical tokens in one document. @default 3000 */
  maxTokens?: number;
  /** Cost budget of one operation (armor's default weights: 1 per scalar, 2 per object, × depth). @default 5000 */
  maxCost?: number;
}

/** The defaults above; GraphiQL's introspection query (230 field selections) fits them. */
export const DEFAULT_OPERATION_LIMITS: Required<OperationLimits> = {
  maxDepth: 12,
  maxAliases: 30,
  maxFields: 300,
  maxDirectives: 30,
  maxTokens: 3000,
  maxCost: 5000,
};

const tagged = (_ctx: unknown, error: GraphQLError) => {
  // graphql-js does not freeze extensions: giving armor's errors the vocabulary's code here means
  // clients can tell "ask for less" from any other validation failure.
  (error.extensions as Record<string, unknown>).code = 'OPERATION_LIMIT_EXCEEDED';
};

export function useOperationLimits(limits: OperationLimits = {}): Plugin {
  const l = { ...DEFAULT_OPERATION_LIMITS, ...limits };
  const reject = { onReject: [tagged], propagateOnRejection: true };
  const armor = EnvelopArmorPlugin({
    // Suggestions are GRAPHQL_FIELD_SUGGESTIONS's, hidden by use-field-suggestions-switch.ts alone.
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: l.maxDepth, ignoreIntrospection: true, ...reject },
    // Counted by selectionCountRule instead, `__typename` included.
    maxAliases: { enabled: false },
    maxDirectives: { n: l.maxDirectives, ...reject },
    maxTokens: { n: l.maxTokens, ...reject },
    costLimit: { maxCost: l.maxCost, ignoreIntrospection: true, ...reject },
  }) as Plugin;
  const rule = selectionCountRule({ maxFields: l.maxFields, maxAliases: l.maxAliases });
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(armor);
    },
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
