/**
 * A request's variables nested deeper than any input of the API can be are refused before anything
 * walks them (HTTP 400, BAD_USER_INPUT naming `variables`). JSON.parse reads 20,000 levels without
 * complaint; what read them after it did not: the response cache's key (JSON.stringify) overflowed
 * the stack, and the caller, valid credentials or not, got a masked internal error and the operator
 * an error-level line, as often as it liked. The deepest input today (a job's LoRA modules) is four
 * levels down; 32 leaves room for any the schema may grow.
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';

export const MAX_VARIABLES_DEPTH = 32;

/** Whether `value` holds objects or arrays more than `max` levels down; walked without recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth > max) return true;
    for (const item of Object.values(next.value)) pending.push({ value: item, depth: next.depth + 1 });
  }
  return false;
}

export function useVariablesDepth(): Plugin {
  return {
    onParams({ params }) {
      if (nestedDeeperThan(params.variables, MAX_VARIABLES_DEPTH)) throw variablesTooDeep();
    },
  };
}

/** The refusal, also when the body's own scan (json-depth.ts) finds the variables too deep before parsing. */
export function variablesTooDeep(): GraphQLError {
  return gatewayError(
    'BAD_USER_INPUT',
    `variables: nested more than ${MAX_VARIABLES_DEPTH} levels deep; no input of this API goes deeper than a few.`,
    { field: 'variables', http: { status: 400 } },
  );
}
