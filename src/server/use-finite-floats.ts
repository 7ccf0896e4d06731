/**
 * Refuses a Float literal too large for a number (`1e309`) at validation, where the document names it.
 * graphql-js reads such a literal as Infinity and hands it to the resolvers: where a check compares
 * only with a lower bound (`weightDecay ≥ 0`) it passed, priced a job, and reached the upstream as
 * `null` (JSON has no Infinity), which answered in its own words about a value nobody sent. Variables
 * cannot carry it (JSON has no such number, and graphql-js refuses a non-finite variable), so a
 * literal is the only way in; every input field and argument is covered, a new one included. The
 * value is shown cut short when long (an integer literal of 400 digits is one too).
 *
 * Only where a Float is taken: given for an Int, an ID or an enum, such a literal is graphql-js's to
 * refuse (ValuesOfCorrectTypeRule), and a second error about the one value said nothing more.
 */
import {
  GraphQLError,
  GraphQLFloat,
  getNamedType,
  type FloatValueNode,
  type IntValueNode,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const finiteFloatsRule: ValidationRule = (context) => {
  const check = (node: FloatValueNode | IntValueNode): void => {
    if (Number.isFinite(Number(node.value))) return;
    // By name: the schema's Float is graphql-js's own, but a second copy of graphql would not be the same object.
    if (getNamedType(context.getInputType())?.name !== GraphQLFloat.name) return;
    const shown = node.value.length > 40 ? `${node.value.slice(0, 20)}… (${node.value.length} digits)` : node.value;
    context.reportError(
      new GraphQLError(`${shown} is beyond the largest number a Float holds (about 1.8e308): send a finite number.`, {
        nodes: node,
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    );
  };
  // An Int literal of 309 digits or more is one too, given where a Float is taken.
  return { FloatValue: check, IntValue: check };
};

export function useFiniteFloats(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(finiteFloatsRule);
    },
  };
}
