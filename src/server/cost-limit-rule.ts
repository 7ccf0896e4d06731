/**
 * The cost budget of one operation (MAX_OPERATION_COST), counted as the values the gateway would
 * resolve: 1 per scalar field, 2 per object field plus what it selects, the whole multiplied by the
 * page a paged field asks for (its `first`). So `webhookDeliveries(first: 100) { edges { node { …
 * attempts { … } } } }` costs about 100 × the fields of one delivery: a page of 100 jobs with the
 * fields GraphiQL's Jobs tab selects costs 2,900, and fits the default 5000; two such pages (5,800) do not.
 *
 * Why not graphql-armor's cost limit, which this replaces: it multiplied every level by 1.5 on top of
 * the page size, so a value four levels down (a page's `edges { node { attempts { error } } }`) counted
 * 5 times, and the API's own documented pages (100 deliveries with their attempts: 8,675) were
 * refused; and it took `first` only as a literal, so `first: $n` counted one item however many were
 * asked for. Here a `first` given by a variable counts as the most a page holds (MAX_PAGE: validation
 * runs, and is cached, before variables are known), and an omitted one as its default.
 *
 * A list without `first` (a delivery's `attempts`, a job's `events`) counts once: its length is the
 * data's, bounded where the data is made, and it arrives with its parent in one upstream answer.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

/** The largest page of every paged field of the API (`jobs`, `webhookDeliveries`, `deliveries`: "from 1 to 100"). */
export const MAX_PAGE = 100;
const SCALAR_COST = 1;
const OBJECT_COST = 2;
/** Introspection is GraphiQL's and costs the gateway nothing upstream: not counted (the field limits still apply). */
const INTROSPECTION = new Set(['__schema', '__type']);

export function costLimitRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const schema = context.getSchema();
      const root =
        operation.operation === 'query'
          ? schema.getQueryType()
          : operation.operation === 'mutation'
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      if (!root) return false;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const cost = new CostWalk(schema, fragments).of(operation.selectionSet, root);
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(
            `Query Cost limit of ${maxCost} exceeded, found ${cost} (setting MAX_OPERATION_COST): 1 per ` +
              `scalar field, 2 per object field plus its selection, times the page its \`first\` asks for ` +
              `(${MAX_PAGE} when a variable gives it); ask for fewer fields or smaller pages.`,
            { nodes: operation, extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } },
          ),
        );
      }
      return false;
    },
  });
}

class CostWalk {
  /** A fragment's cost, by name: it depends on nothing but the fragment, so it is counted once. */
  private readonly known = new Map<string, number>();
  private readonly spreading = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  of(set: SelectionSetNode, parent: GraphQLCompositeType): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) cost += this.field(selection, parent);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) cost += this.of(selection.selectionSet, type);
      } else cost += this.spread(selection.name.value);
    }
    return cost;
  }

  private spread(name: string): number {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    const fragment = this.fragments.get(name);
    // A cycle (refused by NoFragmentCycles in the same pass) or an unknown fragment: not counted.
    if (!fragment || this.spreading.has(name)) return 0;
    const type = this.schema.getType(fragment.typeCondition.name.value);
    if (!type || !isCompositeType(type)) return 0;
    this.spreading.add(name);
    const cost = this.of(fragment.selectionSet, type);
    this.spreading.delete(name);
    this.known.set(name, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType): number {
    if (INTROSPECTION.has(node.name.value)) return 0;
    if (!node.selectionSet) return SCALAR_COST;
    const definition =
      isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
    // An unknown field is refused by validation anyway; what it selects is counted on no type.
    const type = definition ? getNamedType(definition.type) : undefined;
    const inner = type && isCompositeType(type) ? this.of(node.selectionSet, type) : 0;
    return (OBJECT_COST + inner) * this.pageOf(node, definition?.args.find((a) => a.name === 'first')?.defaultValue);
  }

  /** How many items the field's `first` asks for: its literal, MAX_PAGE for a variable, else its default. */
  private pageOf(node: FieldNode, defaultValue: unknown): number {
    const given = node.arguments?.find((a) => a.name.value === 'first')?.value;
    if (!given) return typeof defaultValue === 'number' && defaultValue > 1 ? defaultValue : 1;
    if (given.kind === Kind.VARIABLE) return MAX_PAGE;
    if (given.kind !== Kind.INT) return 1; // Refused by validation (or null: the resolver's default).
    return Math.min(Math.max(Number.parseInt(given.value, 10), 1), MAX_PAGE);
  }
}
