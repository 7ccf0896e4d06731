/**
 * Looking ahead into the selection of the field being resolved, so that a resolver can start the
 * upstream calls its children will need instead of leaving them to them: `job(id) { metrics }` asks
 * for the job and its metrics at once, where `Job.metrics` alone would wait for the job's answer
 * first (two upstream round trips in a row instead of one).
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
 * The names of the direct subfields the field being resolved selects: under any alias, through inline
 * fragments and named fragments, and without those left out by `@skip`/`@include`.
 */
export function selectedSubfields(info: GraphQLResolveInfo): ReadonlySet<string> {
  const names = new Set<string>();
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
  const collect = (set: SelectionSetNode | undefined): void => {
    for (const node of set?.selections ?? []) {
      if (!included(node)) continue;
      if (node.kind === Kind.FIELD) names.add(node.name.value);
      else collect(fragmentSet(node));
    }
  };
  for (const node of info.fieldNodes) collect(node.selectionSet);
  return names;
}
