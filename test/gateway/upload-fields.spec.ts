/**
 * The input field a file part's refusals name (src/server/upload-fields.ts): the one its variable path
 * in "map" fills, named inside the `input` argument as the API's other input errors are.
 */
import { describe, expect, it } from 'vitest';
import { uploadFields } from '../../src/server/upload-fields.js';

const ANALYZE = 'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { rowsRead } } }';

describe('the field a file part fills', () => {
  it.each([
    [
      'the uploadFile variable',
      { query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }' },
      'variables.file',
      'file',
    ],
    [
      'a variable of another name, by its argument',
      { query: 'mutation($csv: Upload!) { uploadFile(file: $csv) { id } }' },
      'variables.csv',
      'file',
    ],
    ['a field of the input variable', { query: ANALYZE }, 'variables.input.trainingFile', 'trainingFile'],
    ['a field of the input variable', { query: ANALYZE }, 'variables.input.validationFile', 'validationFile'],
    [
      'a variable inside an input object',
      {
        query:
          'query($t: Upload!, $v: Upload) { analyzeDataset(input: { trainingFile: $t, validationFile: $v }) { training { rowsRead } } }',
      },
      'variables.v',
      'validationFile',
    ],
    [
      'a persisted operation (no document): the variable path',
      { extensions: {} },
      'variables.input.trainingFile',
      'trainingFile',
    ],
    ['a document that does not parse: the variable path', { query: '{' }, 'variables.training', 'training'],
    ['a variable the document does not use: its name', { query: ANALYZE }, 'variables.other', 'other'],
    ['a variable whose name is no plain name: the variables', { query: ANALYZE }, 'variables.a\nb', 'variables'],
    ['a variable name of kilobytes: the variables', { query: ANALYZE }, `variables.${'x'.repeat(5000)}`, 'variables'],
  ])('%s: %s is %s', (_case, operations, path, expected) => {
    expect(uploadFields(operations)(path)).toBe(expected);
  });

  it('reads the operation of a batch that the path names', () => {
    const batch = [{ query: ANALYZE }, { query: 'mutation($csv: Upload!) { uploadFile(file: $csv) { id } }' }];
    expect(uploadFields(batch)('1.variables.csv')).toBe('file');
    expect(uploadFields(batch)('0.variables.input.trainingFile')).toBe('trainingFile');
  });
});
