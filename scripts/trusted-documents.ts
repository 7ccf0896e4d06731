/**
 * `npm run trusted-documents [-- <file>]`: writes the project's own operations as a trusted-documents
 * file (`{ "<sha256>": "<document>" }`, default `trusted-documents.json`) for TRUSTED_DOCUMENTS_FILE:
 * GraphiQL's example tabs and the dashboard's operations, each exactly as its client sends it (the
 * dashboard's from the code generator's output, which `npm run build:dashboard` writes first).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GRAPHIQL_TABS } from '../src/server/graphiql-examples.js';
import { sha256Hex } from '../src/server/sha256-hex.js';

const out = process.argv[2] ?? 'trusted-documents.json';
const documents = new Map<string, string>();
const add = (text: string) => documents.set(sha256Hex(text), text);

for (const tab of GRAPHIQL_TABS) add(tab.query);

const generated = fileURLToPath(new URL('../dashboard/src/gql/graphql.ts', import.meta.url));
if (existsSync(generated)) {
  // The generated module's documents are `TypedDocumentString`s: their text is what the dashboard sends.
  const module = (await import(pathToFileURL(generated).href)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(module)) {
    if (name.endsWith('Document') && value instanceof String) add(value.toString());
  }
} else {
  console.warn(`${generated} is missing (run npm run build:dashboard): the dashboard's operations are not included`);
}

const sorted = Object.fromEntries([...documents].sort(([a], [b]) => (a < b ? -1 : 1)));
await writeFile(out, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${out}: ${documents.size} trusted documents`);
