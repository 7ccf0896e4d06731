/**
 * Limits on what one operation may ask for, so that a single request cannot make the gateway (and
 * through it the upstream) do unbounded work: depth, directives and tokens enforced by graphql-armor
 * during parsing and validation, field selections and aliases counted by our own rule
 * (selection-count-rule.ts: armor exempts `__typename` and ignores repeated fields), and a cost budget
 * by another (cost-limit-rule.ts: armor's refused the API's own documented pages). A refusal
 * carries the code OPERATION_LIMIT_EXCEEDED (armor leaves its errors without a code) and comes before
 * any upstream call. The settings that set them, and their defaults, are in config-variables.ts (MAX_OPERATION_*).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Settings } from '../config.js';
import { costLimitRule } from './cost-limit-rule.js';
import { selectionCountRule } from './selection-count-rule.js';

/** Depth, alias, field, directive, token and cost limits: MAX_OPERATION_* in src/config-variables.ts, with their defaults. */
export type OperationLimits = Settings['operationLimits'];

/** The setting of each limit armor enforces, by how its message begins. */
const SETTINGS: ReadonlyArray<[RegExp, string]> = [
  [/^Query depth limit/, 'MAX_OPERATION_DEPTH'],
  [/^Directives limit/, 'MAX_OPERATION_DIRECTIVES'],
  [/^Token limit/, 'MAX_OPERATION_TOKENS'],
];

const tagged = (_ctx: unknown, error: GraphQLError) => {
  // graphql-js does not freeze extensions: giving armor's errors the vocabulary's code here means
  // clients can tell "ask for less" from any other validation failure.
  (error.extensions as Record<string, unknown>).code = 'OPERATION_LIMIT_EXCEEDED';
  // Armor words them as parse errors ("Syntax Error: Query Cost limit of …"), which they are not;
  // said as the other limits are, with the setting that sets it.
  const message = error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '');
  const setting = SETTINGS.find(([start]) => start.test(message))?.[1];
  (error as { message: string }).message = setting ? `${message} (setting ${setting}).` : `${message}.`;
};

export function useOperationLimits(l: OperationLimits): Plugin {
  const reject = { onReject: [tagged], propagateOnRejection: true };
  const armor = EnvelopArmorPlugin({
    // Suggestions are GRAPHQL_FIELD_SUGGESTIONS's, hidden by use-field-suggestions-switch.ts alone.
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: l.maxDepth, ignoreIntrospection: true, ...reject },
    // Counted by selectionCountRule instead, `__typename` included.
    maxAliases: { enabled: false },
    maxDirectives: { n: l.maxDirectives, ...reject },
    maxTokens: { n: l.maxTokens, ...reject },
    // Counted by costLimitRule instead, page sizes given by variables included.
    costLimit: { enabled: false },
  }) as Plugin;
  const rule = selectionCountRule({ maxFields: l.maxFields, maxAliases: l.maxAliases });
  const cost = costLimitRule(l.maxCost);
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(armor);
    },
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
      addValidationRule(cost);
    },
  };
}
