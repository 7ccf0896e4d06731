/**
 * Reports each problem of an invalid input as its own GraphQL error (with `extensions.field`), so that
 * a client can put every message beside its form field. Resolvers throw one `InputProblems`; this
 * plugin expands it in the execution result.
 */
import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { InputProblems } from '../errors/input-problems.js';

export function useInputProblems(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors?.some((error) => error.originalError instanceof InputProblems)) return;
            setResult({ ...result, errors: result.errors.flatMap(expand) });
          });
        },
      };
    },
  };
}

/** The original's problems, each its own error at the field's place. */
function expand(error: GraphQLError): GraphQLError[] {
  const original = error.originalError;
  if (!(original instanceof InputProblems)) return [error];
  return original.problems.map(
    (problem) =>
      new GraphQLError(problem.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'BAD_USER_INPUT', field: problem.field },
      }),
  );
}
