/**
 * Reports each problem of an invalid input as its own GraphQL error (with `extensions.field`), so that
 * a client can put every message beside its form field. Resolvers throw one `InputProblems`; this
 * plugin expands it in the execution result.
 *
 * An operation the request's provider does not offer is refused for that alone: the input of a root
 * field marked `extensions: { nscaleOnly: true }` is checked before its resolver runs
 * (schema/guard-ids-and-names.ts), but on another provider no fix of the input would let it run, so
 * its problems are replaced by the provider's refusal (`ctx.credentials()`'s BAD_USER_INPUT with
 * `extensions.provider`), the error the resolver would have thrown first.
 */
import { GraphQLError, getOperationAST, locatedError, type GraphQLSchema } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { InputProblems } from '../errors/input-problems.js';
import type { GatewayContext } from '../resolvers/context.js';

interface Execution {
  schema: GraphQLSchema;
  document: Parameters<typeof getOperationAST>[0];
  operationName?: string | null;
  contextValue: unknown;
}

export function useInputProblems(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors?.some(isInputError)) return;
            const errors = refusedOnProvider(result.errors, args).flatMap(expand);
            setResult({ ...result, errors });
          });
        },
      };
    },
  };
}

/** What the id checks and a field's own `inputProblems` throw (badUserInput, InputProblems). */
function isInputError(error: GraphQLError): boolean {
  const original = error.originalError;
  return (
    original instanceof InputProblems ||
    (original instanceof GraphQLError &&
      original.extensions.code === 'BAD_USER_INPUT' &&
      typeof original.extensions.field === 'string')
  );
}

/**
 * The errors with the input problems of each root field the provider does not offer replaced by the
 * provider's refusal, once per field. Such a field's resolver never ran (the input check throws
 * first), so its input problems are all it could have answered.
 */
function refusedOnProvider(errors: readonly GraphQLError[], execution: Execution): GraphQLError[] {
  const refusal = providerRefusal(execution.contextValue);
  if (!refusal) return [...errors];
  const operation = getOperationAST(execution.document, execution.operationName);
  const root = operation ? execution.schema.getRootType(operation.operation) : undefined;
  const refused = new Set<string | number>();
  return errors.flatMap((error) => {
    const [key, ...deeper] = error.path ?? [];
    const node = error.nodes?.[0];
    if (key === undefined || deeper.length > 0 || node?.kind !== 'Field' || !isInputError(error)) return [error];
    if (root?.getFields()[node.name.value]?.extensions['nscaleOnly'] !== true) return [error];
    if (refused.has(key)) return [];
    refused.add(key);
    return [locatedError(refusal, error.nodes, error.path)];
  });
}

/**
 * The refusal `ctx.credentials()` throws for a request on another provider than Nscale; none on Nscale,
 * and none without credentials at all (their own error comes from the resolver, after the input's).
 */
function providerRefusal(contextValue: unknown): GraphQLError | undefined {
  const ctx = contextValue as Partial<GatewayContext> | undefined;
  if (typeof ctx?.session !== 'function' || typeof ctx.credentials !== 'function') return undefined;
  try {
    ctx.session();
  } catch {
    return undefined;
  }
  try {
    ctx.credentials();
    return undefined;
  } catch (error) {
    return error instanceof GraphQLError && error.extensions.provider !== undefined ? error : undefined;
  }
}

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
