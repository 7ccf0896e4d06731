/**
 * A validation rule that counts what graphql-armor does not: every field selection of an operation
 * (`__typename` and repeated fields included, fragments counted each time they are spread) and
 * every alias (`__typename`'s included: armor exempts them, so 101 aliased `__typename`s passed its
 * limit of 30). Both are refused with OPERATION_LIMIT_EXCEEDED, stating the limit and its setting.
 *
 * Why count repeats: `{ baseModels { id id id … } }` runs one resolver, but validation compares
 * every pair of same-named fields (OverlappingFieldsCanBeMerged), so 500 repeats cost 125,000
 * comparisons before anything is refused. This rule runs in the same validation pass and cannot stop
 * the others, but the token limit (armor, during parsing) bounds the document first.
 */
import {
  GraphQLError,
  Kind,
  type ASTNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

export interface SelectionCountLimits {
  maxFields: number;
  maxAliases: number;
}

interface Counts {
  fields: number;
  aliases: number;
}

export function selectionCountRule(limits: SelectionCountLimits): ValidationRule {
  // Fragments spread inside fragments multiply: stop counting well past the limits, so that a
  // document of a few kilobytes cannot make this walk itself expensive.
  const cap = Math.max(10 * Math.max(limits.maxFields, limits.maxAliases), 10_000);
  return (context) => ({
    OperationDefinition(operation) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const counts: Counts = { fields: 0, aliases: 0 };
      countSelections(operation.selectionSet, fragments, new Set(), counts, cap);
      const shown = (n: number) => (n > cap ? `more than ${cap}` : String(n));
      if (counts.aliases > limits.maxAliases) {
        context.reportError(
          limitError(
            `Aliases limit of ${limits.maxAliases} exceeded: the operation has ${shown(counts.aliases)} ` +
              `aliases (__typename included; setting MAX_OPERATION_ALIASES).`,
            operation,
          ),
        );
      }
      if (counts.fields > limits.maxFields) {
        context.reportError(
          limitError(
            `Field selections limit of ${limits.maxFields} exceeded: the operation selects ` +
              `${shown(counts.fields)} fields (repeated fields and __typename included; setting MAX_OPERATION_FIELDS).`,
            operation,
          ),
        );
      }
      return false; // Nothing below an operation needs visiting again.
    },
  });
}

function countSelections(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  spreading: Set<string>,
  counts: Counts,
  cap: number,
): void {
  for (const selection of set.selections) {
    if (counts.fields > cap || counts.aliases > cap) return;
    if (selection.kind === Kind.FIELD) {
      counts.fields++;
      if (selection.alias) counts.aliases++;
      if (selection.selectionSet) countSelections(selection.selectionSet, fragments, spreading, counts, cap);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      countSelections(selection.selectionSet, fragments, spreading, counts, cap);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A cycle (refused by NoFragmentCycles in the same pass) or an unknown fragment: not counted.
      if (!fragment || spreading.has(name)) continue;
      spreading.add(name);
      countSelections(fragment.selectionSet, fragments, spreading, counts, cap);
      spreading.delete(name);
    }
  }
}

function limitError(message: string, node: ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes: node, extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } });
}
