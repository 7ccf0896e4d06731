/**
 * `GRAPHQL_INTROSPECTION=false`: operations that ask for `__schema` or `__type` fail validation
 * (GRAPHQL_VALIDATION_FAILED, the code Apollo Server uses for the same refusal), over every transport,
 * with a message naming the setting. `__typename` stays allowed: clients need it and it reveals nothing.
 */
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') {
      context.reportError(
        new GraphQLError(
          `Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION=false): the operation asks for "${name}".`,
          { nodes: node },
        ),
      );
    }
  },
});

export function useIntrospectionSwitch(enabled: boolean): Plugin {
  if (enabled) return {};
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noIntrospection);
    },
  };
}
