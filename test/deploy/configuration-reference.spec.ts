/**
 * The configuration reference (docs/configuration.md) is the operators' reference: generated from the
 * settings schema (`npm run docs:config`, scripts/config-docs.ts), it lists every variable the gateway
 * reads, with its default and description as the schema declares them, and no variable it does not
 * read. Like the schema.graphql staleness test, a change to the schema without the regenerated file fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, DOCS_FILE, END, configurationRows, withTable } from '../../scripts/config-docs.js';
import { settingVariables } from '../../src/config.js';

const docs = readFileSync(DOCS_FILE, 'utf8');

/** Every variable the settings schema reads. */
const read = new Set(Object.keys(settingVariables.shape));

/** The rows of the generated table: variable names of the first cell → the default cell. */
function table(): Map<string, string> {
  const section = docs.slice(docs.indexOf(BEGIN), docs.indexOf(END));
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const [names, byDefault] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
    for (const [, name] of names!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) rows.set(name!, byDefault ?? '');
  }
  return rows;
}

describe('the configuration reference (docs/configuration.md)', () => {
  it('lists every variable the settings schema reads, each with its default', () => {
    expect(read.size).toBeGreaterThan(20);
    const rows = table();
    expect([...read].filter((name) => !rows.has(name))).toEqual([]);
    expect([...rows].filter(([, byDefault]) => byDefault.trim() === '').map(([name]) => name)).toEqual([]);
  });

  it('names no variable that the settings schema does not read', () => {
    expect([...table().keys()].filter((name) => !read.has(name))).toEqual([]);
  });

  it('is the table the schema generates, names, defaults and descriptions included (run `npm run docs:config`)', () => {
    expect(docs).toBe(withTable(docs));
  });

  it('shows the defaults the schema applies', () => {
    const shown = new Map(configurationRows().map((row) => [row.name, row.byDefault]));
    const parsed = settingVariables.parse({});
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
        expect(shown.get(name), name).toBe(`\`${String(value)}\``);
    }
    expect(shown.get('SIMULATOR_JOB_SECONDS')).toBe('`30`');
  });
});
