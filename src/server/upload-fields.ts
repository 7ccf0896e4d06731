/**
 * The name a refusal of a file part gives it: the input field that its variable path (the multipart
 * `map`) fills, as the API's other input errors name it in `extensions.field` and at the start of their
 * message (`trainingFile`, `validationFile`, `file`). The map says `variables.input.trainingFile` or
 * `variables.training`; the document says which argument the variable is
 * (`analyzeDataset(input: { trainingFile: $training })`). Input fields are named inside the `input`
 * argument, as analyzeDataset's and createJob's errors name them, so a leading `input.` is dropped.
 * When the document does not tell (a persisted operation, one that does not parse, a variable it does
 * not use), the variable path itself is the name, if it is a plain one.
 */
import { BREAK, Kind, parse, visit, type DocumentNode, type ValueNode } from 'graphql';

// As upload-limits.ts: a real document with uploads is a few hundred tokens.
const MAX_PARSED_TOKENS = 3000;
const PLAIN_NAME = /^[\w.]{1,200}$/;

/** The field naming function for the request whose `operations` field is given. */
export function uploadFields(operations: unknown): (path: string) => string {
  const documents = new Map<number, DocumentNode | null>();
  const documentOf = (index: number): DocumentNode | null => {
    if (!documents.has(index)) documents.set(index, parsed(Array.isArray(operations) ? operations[index] : operations));
    return documents.get(index)!;
  };
  const nameOf = (path: string): string => {
    // `variables.x.y`, or in a batch `0.variables.x.y` (parse-multipart.ts refuses the request when it is none).
    const keys = path.split('.');
    const index = Array.isArray(operations) && /^\d+$/.test(keys[0] ?? '') ? Number(keys.shift()) : 0;
    if (keys.shift() !== 'variables' || keys.length === 0) return path;
    const [variable, ...rest] = keys as [string, ...string[]];
    const document = documentOf(index);
    const argument = document ? argumentPathOf(document, variable) : null;
    const names = [...(argument ?? [variable]), ...rest];
    return (names[0] === 'input' && names.length > 1 ? names.slice(1) : names).join('.');
  };
  // The path's keys are the caller's JSON: one that is no name (control characters, kilobytes) is not
  // repeated in a message; the refusal names the variables as a whole.
  return (path) => {
    const name = nameOf(path);
    return PLAIN_NAME.test(name) ? name : 'variables';
  };
}

function parsed(operation: unknown): DocumentNode | null {
  const query = (operation as { query?: unknown } | null)?.query;
  if (typeof query !== 'string') return null;
  try {
    return parse(query, { noLocation: true, maxTokens: MAX_PARSED_TOKENS });
  } catch {
    return null;
  }
}

/** `['input', 'trainingFile']` for `analyzeDataset(input: { trainingFile: $variable })`; null where it is not used. */
function argumentPathOf(document: DocumentNode, variable: string): string[] | null {
  let found: string[] | null = null;
  visit(document, {
    Argument(node) {
      found = inValue(node.value, variable, [node.name.value]);
      return found ? BREAK : false; // an argument's value holds no further arguments
    },
  });
  return found;
}

function inValue(value: ValueNode, variable: string, at: string[]): string[] | null {
  if (value.kind === Kind.VARIABLE) return value.name.value === variable ? at : null;
  if (value.kind === Kind.LIST) {
    for (const item of value.values) {
      const found = inValue(item, variable, at);
      if (found) return found;
    }
  }
  if (value.kind === Kind.OBJECT) {
    for (const field of value.fields) {
      const found = inValue(field.value, variable, [...at, field.name.value]);
      if (found) return found;
    }
  }
  return null;
}
