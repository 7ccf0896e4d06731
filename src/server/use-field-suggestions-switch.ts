/**
 * `GRAPHQL_FIELD_SUGGESTIONS=false`: graphql-js's "Did you mean …?" hints are cut from validation
 * errors and from errors of variable values (enum values), so that a caller without introspection
 * cannot map the schema by guessing names. The rest of each message (what was wrong, where) stays.
 *
 * Why not graphql-armor's `blockFieldSuggestion` (installed, and disabled in use-operation-limits.ts so
 * that this is the one mechanism): its pattern wants a quote right after "Did you mean", so graphql-js's
 * `Did you mean the enum value "RUNNING"?` passes, and it reads validation errors only, not a variable's
 * coercion error. test/operations/field-suggestions.spec.ts fails with it.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message || !(error instanceof GraphQLError)) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

export function useFieldSuggestionsSwitch(enabled: boolean): Plugin {
  if (enabled) return {};
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map(withoutSuggestion));
      },
    onExecute: () => ({
      onExecuteDone({ result, setResult }) {
        if (!(Symbol.asyncIterator in result) && result.errors?.length)
          setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
      },
    }),
  };
}
