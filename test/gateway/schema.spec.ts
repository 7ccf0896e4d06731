/** The checked-in schema.graphql is the API's reviewable contract: it must match the code. */
import { readFileSync } from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { sortedSchema } from '../../src/schema/index.js';

describe('schema.graphql', () => {
  it('is current (run `npm run schema:print` after changing the schema)', () => {
    const checkedIn = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(`${printSchema(sortedSchema())}\n`);
  });

  it("describes every type, field, argument and enum value (GraphiQL's docs are what explorers read)", () => {
    const missing: string[] = [];
    for (const type of Object.values(sortedSchema().getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      if (isScalarType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it('names enum values in UPPER_CASE', () => {
    const jobStatus = sortedSchema().getType('JobStatus');
    const modules = sortedSchema().getType('TrainableModule');
    expect(isEnumType(jobStatus) && jobStatus.getValues().map((v) => v.name)).toEqual([
      'CANCELLED',
      'COMPLETED',
      'FAILED',
      'QUEUED',
      'RUNNING',
      'STARTING',
    ]);
    expect(isEnumType(modules) && modules.getValues().map((v) => v.name)).toEqual([
      'DOWN_PROJ',
      'GATE_PROJ',
      'K_PROJ',
      'O_PROJ',
      'Q_PROJ',
      'UP_PROJ',
      'V_PROJ',
    ]);
  });
});
