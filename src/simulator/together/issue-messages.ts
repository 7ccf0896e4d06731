/**
 * A body's first broken rule in words, the way the simulator's own checks word theirs: the
 * parameter, the rule it breaks, and the value it was given (`n_epochs must be a whole number; got
 * 1.5.`), never the validation library's generic text ("Invalid input"). The parameter a refusal
 * names (`param`) is the issue's path; for a union (`batch_size`, `training_type`) the union's own,
 * even when the message names a field inside it.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

const NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

const kind = (expected: string): string => NAMES[expected] ?? `a ${expected}`;

const nameOf = (path: Path): string => path.map(String).join('.') || 'body';

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A value as the message echoes it: JSON, cut short when long; "none" when absent. */
function shown(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

const listed = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(', ');

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? listed(values) : `one of ${listed(values)}`;
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const word = issue.inclusive === false ? (small ? 'greater than' : 'less than') : small ? 'at least' : 'at most';
  if (issue.origin === 'string') return `${word} ${String(limit)} characters long`;
  if (issue.origin === 'array' || issue.origin === 'set') return `${word} ${String(limit)} items long`;
  return `${word} ${String(limit)}`;
}

function got(issue: Issue, value: unknown): string {
  if ((issue.code === 'too_small' || issue.code === 'too_big') && typeof value === 'string')
    return `${shown(value)} (${value.length} characters)`;
  return shown(value);
}

/** What one branch of a union wanted, said as a noun phrase ("a number", `an object with type "Full"`). */
function wanted(issues: readonly Issue[]): string | null {
  const first = issues[0];
  if (first === undefined) return null;
  if (first.path.length === 0) {
    if (first.code === 'invalid_type') return kind(first.expected);
    if (first.code === 'invalid_value') return oneOf(first.values);
    return null;
  }
  const literal = issues.find((i) => i.code === 'invalid_value' && i.path.length === 1);
  if (literal?.code === 'invalid_value') return `an object with ${String(literal.path[0])} ${oneOf(literal.values)}`;
  return null;
}

/**
 * The union branch an object was meant for: the one whose literal keys (`type`, `method`) it
 * matches, so that what it breaks is inside the object (a missing `lora_r`), not the object itself.
 */
function meantBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const matching = errors.filter(
    (issues) => issues.length > 0 && issues.every((i) => i.code !== 'invalid_value' && i.path.length > 0),
  );
  return matching.length === 1 ? matching[0] : undefined;
}

/** The key whose literal picked that branch: the one the other branches refused (`type`). */
function pickingKey(errors: readonly (readonly Issue[])[], branch: readonly Issue[]): string | undefined {
  for (const issues of errors) {
    if (issues === branch) continue;
    const literal = issues.find((i) => i.code === 'invalid_value' && i.path.length === 1);
    if (literal !== undefined) return String(literal.path[0]);
  }
  return undefined;
}

/** `when` says what makes a field required, for a field of a union's branch (` when training_type.type is "Lora"`). */
function sentence(issue: Issue, path: Path, root: unknown, when = ''): string {
  const name = nameOf(path);
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? `${name} is required${when} (${kind(issue.expected)}); got none.`
        : `${name} must be ${kind(issue.expected)}; got ${shown(value)}.`;
    case 'invalid_value':
      return `${name} must be ${oneOf(issue.values)}; got ${shown(value)}.`;
    case 'too_small':
    case 'too_big':
      return `${name} must be ${bound(issue)}; got ${got(issue, value)}.`;
    case 'invalid_format':
      return `${name} must be ${issue.format === 'url' ? 'a URL' : `a ${issue.format}`}; got ${shown(value)}.`;
    case 'not_multiple_of':
      return `${name} must be a multiple of ${String(issue.divisor)}; got ${shown(value)}.`;
    case 'invalid_union':
      return unionSentence(issue, path, root);
    default:
      return `${name}: ${issue.message}; got ${shown(value)}.`;
  }
}

function unionSentence(issue: Extract<Issue, { code: 'invalid_union' }>, path: Path, root: unknown): string {
  const name = nameOf(path);
  const value = valueAt(root, path);
  // A discriminated union whose discriminator matched no option (the path is the discriminator's).
  if (issue.errors.length === 0) {
    const options = (issue as { options?: readonly unknown[] }).options;
    return options === undefined
      ? `${name}: ${issue.message}; got ${shown(value)}.`
      : `${name} must be ${oneOf(options)}; got ${shown(value)}.`;
  }
  const branch = meantBranch(issue.errors);
  if (branch !== undefined) {
    const inner = branch[0]!;
    const key = pickingKey(issue.errors, branch);
    const picked = key === undefined ? undefined : valueAt(value, [key]);
    const when = typeof picked === 'string' ? ` when ${name}.${key} is ${JSON.stringify(picked)}` : '';
    return sentence(inner, [...path, ...inner.path], root, when);
  }
  const alternatives = issue.errors.map(wanted);
  if (alternatives.every((a): a is string => a !== null))
    return `${name} must be ${[...new Set(alternatives)].join(' or ')}; got ${shown(value)}.`;
  return `${name} is not any of the forms it may take; got ${shown(value)}.`;
}

/** The message of a body's first issue, and the parameter it names (empty for the body itself). */
export function describeIssue(issue: Issue, body: unknown): { message: string; param: string } {
  return { message: sentence(issue, issue.path, body), param: issue.path.map(String).join('.') };
}
