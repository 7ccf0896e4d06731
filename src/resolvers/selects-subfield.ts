/**
 * Looking ahead into the selection of the field being resolved, so that a resolver can start an
 * upstream call its children will need instead of leaving it to them: `job(id) { metrics }` asks for
 * the job and its metrics at once, where `Job.metrics` alone would wait for the job's answer first
 * (two upstream round trips in a row instead of one).
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FragmentSpreadNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Whether the field being resolved selects `name` among its direct subfields, under any alias,
 * through inline fragments and named fragments, and not left out by `@skip`/`@include`.
 */
export function selectsSubfield(info: GraphQLResolveInfo, name: string): boolean {
  const visited = new Set<string>();
  const included = (node: SelectionNode): boolean =>
    getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.['if'] !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.['if'] !== false;
  const fragmentSet = (node: InlineFragmentNode | FragmentSpreadNode): SelectionSetNode | undefined => {
    if (node.kind === Kind.INLINE_FRAGMENT) return node.selectionSet;
    if (visited.has(node.name.value)) return undefined;
    visited.add(node.name.value);
    return info.fragments[node.name.value]?.selectionSet;
  };
  const selects = (set: SelectionSetNode | undefined): boolean =>
    set !== undefined &&
    set.selections.some((node) => {
      if (!included(node)) return false;
      return node.kind === Kind.FIELD ? node.name.value === name : selects(fragmentSet(node));
    });
  return info.fieldNodes.some((node) => selects(node.selectionSet));
}
