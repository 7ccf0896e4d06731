/** Writes `schema.graphql` (`npm run schema:print`); a test fails while the checked-in copy is stale. */
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { sortedSchema } from './index.js';

const target = new URL('../../schema.graphql', import.meta.url);
writeFileSync(target, `${printSchema(sortedSchema())}\n`);
console.log(`wrote ${target.pathname}`);
