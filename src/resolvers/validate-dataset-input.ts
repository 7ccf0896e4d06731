/**
 * Checks a would-be dataset before `POST /datasets`, every problem at once, in the shape of
 * createJob's (validate-job-input.ts): field path, message naming the field, the value and the rule.
 * File ids are opaque: only their length and characters are checked here (length and control
 * characters by the id guard, schema/guard-ids-and-names.ts); whether the files exist, only the
 * upstream knows, and its refusal comes back with the same field (upstream/input-fields.ts).
 */
import type { Problem } from '../errors/input-problems.js';

export interface CreateDatasetArgs {
  name: string;
  trainingFileId: string | number;
  validationFileId?: string | number | null | undefined;
}

/** A file id as the upstream issues them: non-empty, no whitespace. */
const FILE_ID_RULE = 'a file id is not empty and holds no whitespace (see the id uploadFile returned)';

export function fileIdProblem(field: string, value: string): Problem | undefined {
  if (value === '') return { field, message: `${field}: "" is not a file id; ${FILE_ID_RULE}` };
  const space = /\s/.exec(value);
  if (space)
    return {
      field,
      message: `${field}: ${JSON.stringify(value)} holds whitespace at position ${space.index}; ${FILE_ID_RULE}`,
    };
  return undefined;
}

export function datasetInputProblems(input: CreateDatasetArgs): Problem[] {
  const problems: Problem[] = [];
  if (input.name.trim() === '')
    problems.push({ field: 'name', message: `name: ${JSON.stringify(input.name)} must not be empty` });
  const training = fileIdProblem('trainingFileId', String(input.trainingFileId));
  if (training) problems.push(training);
  if (input.validationFileId != null) {
    const validation = fileIdProblem('validationFileId', String(input.validationFileId));
    if (validation) problems.push(validation);
  }
  return problems;
}
