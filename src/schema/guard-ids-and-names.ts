/**
 * Every argument that is an id or a name, on every root field (query, mutation, subscription), is
 * checked before the field's resolver runs, so that a refused value never costs an upstream call:
 * at most 256 characters, and no control character. Ids are opaque, so nothing else is asked of them;
 * a 100,000-character id would otherwise travel upstream and come back as an unexplained 431.
 *
 * What counts as an id or a name, found from the types rather than listed by hand, so that a new
 * field is covered when it is added: a value of type `ID`, or a `String` argument or input field
 * called `id`, `name` or `…Id` (`repositoryId`, `userId`).
 *
 * A root field that runs on Nscale only (`extensions: { nscaleOnly: '<what to do instead>' }`) is
 * refused on another provider before any of that: no fix of its input would let it run there, so its
 * input's problems would only mislead. The refusal names the field, the provider and what to do
 * instead (BAD_USER_INPUT with `extensions.provider`). A request without credentials is not refused
 * here: its input is checked, and the resolver then says what credentials are missing.
 *
 * Done on the built schema (graphql-js field objects are mutable) rather than in each resolver:
 * one place, and no field can forget it.
 */
import {
  GraphQLID,
  GraphQLString,
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { badUserInput } from '../errors/bad-user-input.js';
import { gatewayError } from '../errors/gateway-error.js';
import { InputProblems, type Problem } from '../errors/input-problems.js';
import type { GatewayContext } from '../resolvers/context.js';

export const MAX_ID_OR_NAME_LENGTH = 256;

// C0 controls, DEL and C1 controls: never part of an id or a name, and trouble in a header or a log line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function isIdOrName(name: string, type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return named === GraphQLID || (named === GraphQLString && (name === 'id' || name === 'name' || /Id$/.test(name)));
}

/** The problem with one id or name, if any; the value is never quoted (it may be huge). */
export function idOrNameProblem(field: string, value: string): Problem | undefined {
  if (value.length > MAX_ID_OR_NAME_LENGTH) {
    return {
      field,
      message: `${field}: ${value.length} characters is more than the ${MAX_ID_OR_NAME_LENGTH} an id or a name may have`,
    };
  }
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return {
      field,
      message: `${field}: holds a control character (U+${code}) at position ${control.index}; an id or a name may not`,
    };
  }
  return undefined;
}

function collect(name: string, type: GraphQLInputType, value: unknown, path: string, out: Problem[]): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return collect(name, type.ofType, value, path, out);
  if (isListType(type)) {
    if (Array.isArray(value)) value.forEach((item, i) => collect(name, type.ofType, item, `${path}.${i}`, out));
    return;
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      collect(
        field.name,
        field.type,
        (value as Record<string, unknown>)[field.name],
        path === '' ? field.name : `${path}.${field.name}`,
        out,
      );
    }
    return;
  }
  if (typeof value === 'string' && isIdOrName(name, type)) {
    const problem = idOrNameProblem(path, value);
    if (problem) out.push(problem);
  }
}

/** Problems of a field's arguments; an input object's fields are named by their path inside it (`dataset.id`). */
function problemsOf(defs: readonly GraphQLArgument[], args: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  for (const def of defs)
    collect(def.name, def.type, args[def.name], isInputObjectType(getNamedType(def.type)) ? '' : def.name, out);
  return out;
}

/**
 * A root field's own checks of its input, run here with the id checks so that every problem comes
 * back at once, before any call: `extensions: { inputProblems }` on the field (createDataset,
 * exportJobToHuggingFace). A field the id check already refused is not reported twice.
 */
export type InputProblemsCheck = (args: Record<string, unknown>) => Problem[];

function check(
  defs: readonly GraphQLArgument[],
  args: Record<string, unknown>,
  own: InputProblemsCheck | undefined,
): void {
  const problems = problemsOf(defs, args);
  const refused = new Set(problems.map((p) => p.field));
  problems.push(...(own?.(args) ?? []).filter((p) => !refused.has(p.field)));
  const [first] = problems;
  if (first === undefined) return;
  throw problems.length === 1 ? badUserInput(first.field, first.message) : new InputProblems(problems);
}

/** The request's provider, or undefined when the request has none (no credentials: said later, by the resolver). */
function providerOf(context: unknown): string | undefined {
  const ctx = context as Partial<GatewayContext> | undefined;
  if (typeof ctx?.session !== 'function') return undefined;
  try {
    return ctx.session().provider.api.name;
  } catch {
    return undefined;
  }
}

function refuseOffNscale(field: string, instead: string, context: unknown): void {
  const provider = providerOf(context);
  if (provider === undefined || provider === 'nscale') return;
  throw gatewayError(
    'BAD_USER_INPUT',
    `${field} is not available on provider ${provider}: ${instead} ` +
      `(It runs on nscale: send X-Provider: nscale, or over WebSocket connectionParams.provider.)`,
    { provider },
  );
}

/** Wraps the root fields that take an id or a name, or run on Nscale only; returns the same schema. */
export function guardIdsAndNames(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const defs = field.args;
      const own = field.extensions['inputProblems'] as InputProblemsCheck | undefined;
      const nscaleOnly = field.extensions['nscaleOnly'] as string | undefined;
      if (!own && nscaleOnly === undefined && !defs.some((def) => holdsIdOrName(def.name, def.type))) continue;
      const guard = (args: Record<string, unknown>, context: unknown): void => {
        if (nscaleOnly !== undefined) refuseOffNscale(field.name, nscaleOnly, context);
        check(defs, args, own);
      };
      const { subscribe } = field;
      if (subscribe) {
        // The check runs once, when the subscription starts, not for each event.
        field.subscribe = (source, args, context, info) => {
          guard(args, context);
          return subscribe(source, args, context, info);
        };
      } else {
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, context, info) => {
          guard(args, context);
          return resolve(source, args, context, info);
        };
      }
    }
  }
  return schema;
}

function holdsIdOrName(name: string, type: GraphQLInputType, seen = new Set<unknown>()): boolean {
  const named = getNamedType(type);
  if (!isInputObjectType(named)) return isIdOrName(name, type);
  if (seen.has(named)) return false;
  seen.add(named);
  return Object.values(named.getFields()).some((field) => holdsIdOrName(field.name, field.type, seen));
}
