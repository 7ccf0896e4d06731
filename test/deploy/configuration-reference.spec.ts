/**
 * The configuration table (docs/configuration.md) is the operators' reference: every variable
 * src/config.ts reads is in it, with a default, and it names no variable the gateway does not read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The keys of the environment schema (two-space-indented `NAME:` lines) and any `env.NAME` read. */
const read = new Set(
  [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm), ...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b/g)].map(
    (m) => m[1]!,
  ),
);

/** The rows of the table under "### Configuration": variable names of the first cell → the default cell. */
function table(): Map<string, string> {
  const section = /^#{2,3} Configuration\n([\s\S]*?)(?=^#{2,3} )/m.exec(readme)?.[1] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const [names, byDefault] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
    for (const [, name] of names!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) rows.set(name!, byDefault ?? '');
  }
  return rows;
}

describe('the configuration reference (docs/configuration.md)', () => {
  it('lists every variable src/config.ts reads, each with its default', () => {
    expect(read.size).toBeGreaterThan(20);
    const rows = table();
    expect([...read].filter((name) => !rows.has(name))).toEqual([]);
    expect([...rows].filter(([, byDefault]) => byDefault.trim() === '').map(([name]) => name)).toEqual([]);
  });

  it('names no variable that src/config.ts does not read', () => {
    expect([...table().keys()].filter((name) => !read.has(name))).toEqual([]);
  });
});
