/**
 * Regression: the README's upload example sent `train.csv`, which a fresh clone does not have. Every
 * file a documented command sends (`curl -F x=@path`, run from the repository's root) must exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const documents = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'src/server/graphiql-examples.ts',
].filter((path) => existsSync(new URL(path, root)));

describe('files the documented commands send', () => {
  it.each(documents)('exist for %s', (path) => {
    const text = readFileSync(new URL(path, root), 'utf8');
    const sent = [...text.matchAll(/-F '?\w+=@([^\s';]+)/g)].map((m) => m[1]!);
    expect(sent.filter((file) => !existsSync(new URL(file, root)))).toEqual([]);
  });
});
