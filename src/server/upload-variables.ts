/**
 * How the file parts of a multipart request fill the operation's variables, checked once the
 * operation is parsed and validated and before it executes: so before any part is read and before any
 * upstream call. parse-multipart.ts cannot check this itself: it sees the map before the document
 * (a persisted one is not even known yet) and has no schema. Two refusals, BAD_USER_INPUT with HTTP
 * 400 as the map's other refusals, named by the input field the part fills (upload-fields.ts):
 *
 * - A part put where the operation's variable takes no file (`$c: CsvColumnsInput` at `variables.c`):
 *   graphql-js refused the variable once for each key of the gateway's own upload object
 *   (`Field "kind" is not defined by type "CsvColumnsInput"`, `Field "filename" …`).
 * - A part read by a field that reads it once (`uploadFile` streams it to the upstream as it reads)
 *   and by any other field, through one variable used twice: the second field got what the first
 *   left, nothing. Together stored an empty file and answered success; on Nscale the second upload
 *   failed as "the file is empty" and nulled `data`, losing the first file's id. A part filling two
 *   variables is refused by the map already (parse-multipart.ts), so a variable is the only way to
 *   share one. Fields that read a part side by side (`analyzeDataset`'s, which all open it before it
 *   flows) may share it: only the `readOnce` fields are counted against.
 *
 * Reads are counted as execution runs them: fields merged under one response key run once, and a
 * field skipped by `@skip`/`@include` does not run.
 */
import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  print,
  typeFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { UploadedFile } from '../resolvers/upload.js';
import { gatewayError } from '../errors/gateway-error.js';
import type { FilePart } from './file-part.js';
import { shownName } from './upload-limits.js';

/** What the check needs of an execution (graphql-js's `ExecutionArgs`). */
export interface UploadExecution {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null | undefined;
  variableValues?: { readonly [name: string]: unknown } | null | undefined;
  /** yoga's context, whose `request` says which request's parts these are. */
  contextValue?: unknown;
}

/** The name of the scalar a file part fills (the multipart request specification's). */
const UPLOAD_SCALAR = 'Upload';
// Selections walked at most: validation bounds a document's fields (MAX_OPERATION_FIELDS) far below.
const MAX_WALKED = 10_000;

/** The refusal of how `parts` fill the execution's variables, or null when they fill them rightly. */
export function uploadVariablesRefusal(
  execution: UploadExecution,
  parts: Iterable<FilePart>,
  readOnce: ReadonlySet<string>,
): GraphQLError | null {
  const partOf = new Map<UploadedFile, FilePart>();
  for (const part of parts) partOf.set(part.upload, part);
  if (partOf.size === 0) return null;
  const operation = getOperationAST(execution.document, execution.operationName);
  if (!operation) return null; // graphql-js refuses it, with its own message
  const variables = execution.variableValues ?? {};
  const filled = filledPaths(variables, partOf);
  const definitions = new Map(operation.variableDefinitions?.map((d) => [d.variable.name.value, d]));
  const partsOf = new Map<string, FilePart[]>();
  for (const { keys, part } of filled) {
    const definition = definitions.get(keys[0]!);
    // An undeclared variable is no input of the operation: its part is drained unread (use-streaming-uploads.ts).
    if (!definition) continue;
    if (!takesFile(typeAt(execution.schema, definition, keys.slice(1)))) return misplaced(part, keys, definition);
    partsOf.set(keys[0]!, [...(partsOf.get(keys[0]!) ?? []), part]);
  }
  if (partsOf.size === 0) return null;
  const reads = readsOf(execution, operation, new Set(partsOf.keys()), readOnce);
  for (const [variable, byKey] of reads) {
    const all = [...byKey.values()];
    const total = all.reduce((sum, read) => sum + read.times, 0);
    if (total > 1 && all.some((read) => read.once)) return shared(variable, partsOf.get(variable)!, all, total);
  }
  return null;
}

/** Where the parts are in the variables: each a variable's name and the keys down to the part. */
function filledPaths(
  variables: { readonly [name: string]: unknown },
  partOf: ReadonlyMap<UploadedFile, FilePart>,
): Array<{ keys: string[]; part: FilePart }> {
  const found: Array<{ keys: string[]; part: FilePart }> = [];
  const pending: Array<{ value: unknown; keys: string[] }> = Object.entries(variables).map(([name, value]) => ({
    value,
    keys: [name],
  }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, keys } = next;
    if (typeof value !== 'object' || value === null) continue;
    const part = partOf.get(value as UploadedFile);
    if (part) found.push({ keys, part });
    else for (const [key, item] of Object.entries(value)) pending.push({ value: item, keys: [...keys, key] });
  }
  // In the map's order, as the parts are sent: the first at fault is the one named.
  const order = [...partOf.values()];
  return found.sort((a, b) => order.indexOf(a.part) - order.indexOf(b.part));
}

/** The type the variable's declared type has at `keys` inside it; undefined where it has no such place. */
function typeAt(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  keys: string[],
): GraphQLInputType | undefined {
  let type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
  for (const key of keys) {
    const nullable = type && getNullableType(type);
    if (isListType(nullable) && /^\d+$/.test(key)) type = nullable.ofType as GraphQLInputType;
    else if (isInputObjectType(nullable) && Object.hasOwn(nullable.getFields(), key))
      type = nullable.getFields()[key]!.type;
    else return undefined;
  }
  return type;
}

/** Whether a file may stand at a place of this type: an Upload, or a list of them (a single value is a list of one). */
function takesFile(type: GraphQLInputType | undefined): boolean {
  let inner: unknown = type;
  while (isNonNullType(inner) || isListType(inner)) inner = inner.ofType;
  return isScalarType(inner) && inner.name === UPLOAD_SCALAR;
}

function misplaced(part: FilePart, keys: string[], definition: VariableDefinitionNode): GraphQLError {
  return refusal(
    part.field,
    `Multipart "map": part ${shownName(part.name)} puts a file at ${shownName(['variables', ...keys].join('.'))}, ` +
      `where the operation's variable $${definition.variable.name.value} of type ${print(definition.type)} takes ` +
      `no file (map file parts only to Upload variables).`,
  );
}

interface Read {
  /** The field as the refusal names it: its response path, and its name where an alias hides it. */
  shown: string;
  /** Whether the field reads its parts once, to their end (`readOnce`). */
  once: boolean;
  /** How many times the field's arguments name the variable (`[$a, $a]` twice). */
  times: number;
}

function shared(variable: string, parts: FilePart[], reads: Read[], total: number): GraphQLError {
  const names = parts.map((p) => shownName(p.name));
  const held = `${parts.length === 1 ? 'part' : 'parts'} ${names.join(', ')}`;
  const fields = listed(reads.map((r) => JSON.stringify(r.shown)));
  const how = reads.every((r) => r.times === 1) ? `by ${total} fields, ${fields}` : `${total} times, by ${fields}`;
  return refusal(
    parts[0]!.field,
    `Multipart "map": variable $${variable} (${held}) is read ${how}; a file part is streamed once, to one ` +
      `field (send the file once for each field, as separate parts mapped to separate variables).`,
  );
}

function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A refusal of the request as a whole, as the map's others are (parse-multipart.ts), naming the input field. */
function refusal(field: string, message: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, { field, http: { status: 400 } });
}

/** For each of `variables`, the fields that will read it, by response path (merged fields run once). */
function readsOf(
  execution: UploadExecution,
  operation: OperationDefinitionNode,
  variables: ReadonlySet<string>,
  readOnce: ReadonlySet<string>,
): Map<string, Map<string, Read>> {
  const { schema } = execution;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of execution.document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const reads = new Map<string, Map<string, Read>>();
  const rawVariables = execution.variableValues ?? {};
  let walked = 0;
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, at: string): void => {
    for (const selection of set.selections) {
      if (++walked > MAX_WALKED || skipped(selection, rawVariables)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = `${at}${selection.alias?.value ?? selection.name.value}`;
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
        const field = Object.hasOwn(fields, selection.name.value) ? fields[selection.name.value] : undefined;
        const once = parent !== undefined && readOnce.has(`${parent.name}.${selection.name.value}`);
        const shown = selection.alias ? `${key}: ${selection.name.value}` : key;
        for (const [variable, times] of namedIn(selection, variables)) {
          const byKey = reads.get(variable) ?? new Map<string, Read>();
          reads.set(variable, byKey);
          const before = byKey.get(key);
          byKey.set(key, { shown, once: once || (before?.once ?? false), times: Math.max(times, before?.times ?? 0) });
        }
        if (selection.selectionSet) walk(selection.selectionSet, field && getNamedType(field.type), `${key}.`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
        walk(selection.selectionSet, condition ?? parent, at);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), at);
      }
    }
  };
  walk(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined, '');
  return reads;
}

/** How many times the field's arguments name each of `variables`. */
function namedIn(field: FieldNode, variables: ReadonlySet<string>): Map<string, number> {
  const times = new Map<string, number>();
  const pending: ValueNode[] = field.arguments?.map((a) => a.value) ?? [];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (value.kind === Kind.VARIABLE && variables.has(value.name.value))
      times.set(value.name.value, (times.get(value.name.value) ?? 0) + 1);
    else if (value.kind === Kind.LIST) pending.push(...value.values);
    else if (value.kind === Kind.OBJECT) pending.push(...value.fields.map((f) => f.value));
  }
  return times;
}

/** Whether `@skip` or `@include` leaves the selection out; in doubt (a variable not given), it runs. */
function skipped(
  node: Parameters<typeof getDirectiveValues>[1],
  variables: { readonly [name: string]: unknown },
): boolean {
  try {
    return (
      getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true ||
      getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false
    );
  } catch {
    return false;
  }
}
