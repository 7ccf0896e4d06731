/**
 * Regression: the cost limit (MAX_OPERATION_COST, 5000) refused the API's own documented queries at
 * their largest page: `webhookDeliveries(first: 100)` with the attempts docs/webhooks.md lists cost
 * 8,675 under graphql-armor's model. Every GraphQL operation the README, docs/*.md and GraphiQL's tabs
 * show passes the gateway's parsing and validation (the operation limits included) as written, and
 * again with each `first` at the largest page (100); so does the largest page of deliveries with every
 * field, and of jobs with the fields GraphiQL's Jobs tab selects. A truly expensive operation is still
 * refused (test/gateway/operation-limits.spec.ts has the others).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Kind, parse, type DocumentNode, type GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { startStack, type Stack } from '../harness/stack.js';

const root = new URL('../../', import.meta.url);
const documents = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
].filter((path) => existsSync(new URL(path, root)));

/** The texts of a Markdown file that may be GraphQL: ```graphql blocks, code spans, and curl's `"query":"…"`. */
function candidates(text: string): string[] {
  const blocks = [...text.matchAll(/```graphql\n([^]*?)```/g)].map((m) => m[1]!);
  // A span with no space (`{job}`, a path's placeholder) is no operation.
  const spans = [...text.replace(/```[^]*?```/g, '').matchAll(/`([^`\n]*\s[^`\n]*)`/g)].map((m) => m[1]!);
  const curls = [...text.matchAll(/"query":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
  return [...blocks, ...spans, ...curls];
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** The document when `text` is a whole GraphQL operation on this schema's root fields, else null. */
function operationOf(text: string): DocumentNode | null {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch {
    return null;
  }
  if (!document.definitions.every((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION))
    return null;
  const schema = stack.gateway.yoga.getEnveloped({}).schema;
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  // `{ name, type, values }` (a wire shape in the contracts) parses too: only a root field makes it an operation.
  return document.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && roots.some((r) => r?.getFields()[s.name.value])),
  )
    ? document
    : null;
}

/**
 * What the gateway's parsing and validation (the operation limits included) say of `query`, each of
 * its operations run by name as GraphiQL runs a tab's: [] when it passes.
 */
function refusals(query: string): string[] {
  const names = parse(query).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : []));
  return names.flatMap((operationName) => {
    const request = new Request('http://localhost:4000/graphql', { method: 'POST' });
    const env = stack.gateway.yoga.getEnveloped({ request, params: { query, operationName } });
    try {
      const errors = env.validate(env.schema, env.parse(query)) as readonly GraphQLError[];
      return errors.map((e) => `${String(e.extensions['code'] ?? 'GRAPHQL_VALIDATION_FAILED')}: ${e.message}`);
    } catch (error) {
      return [(error as Error).message]; // graphql-armor throws its refusals.
    }
  });
}

const largestPage = (query: string) => query.replace(/\bfirst: \d+/g, 'first: 100');

describe('the documented GraphQL operations', () => {
  const found = () => [
    ...documents.flatMap((path) =>
      candidates(readFileSync(new URL(path, root), 'utf8'))
        .filter((text) => operationOf(text) !== null)
        .map((text) => [path, text] as const),
    ),
    ...GRAPHIQL_TABS.map((tab, i) => [`GraphiQL tab ${i + 1}`, tab.query] as const),
  ];

  it('are found (README, docs, GraphiQL)', () => {
    const operations = found();
    expect(operations.filter(([path]) => path.endsWith('.md')).length).toBeGreaterThanOrEqual(5);
    expect(operations.some(([, text]) => /webhookDeliveries/.test(text))).toBe(true);
    expect(operations.some(([, text]) => /jobs\(first/.test(text))).toBe(true);
  });

  it('pass the operation limits as written and at the largest page', () => {
    for (const [path, text] of found()) {
      expect({ path, text, refusals: refusals(text) }).toEqual({ path, text, refusals: [] });
      const largest = largestPage(text);
      expect({ path, largest, refusals: refusals(largest) }).toEqual({ path, largest, refusals: [] });
    }
  });
});

const DELIVERY_FIELDS =
  'id eventType jobId state attemptCount lastResponseCode nextAttemptAt createdAt payload ' +
  'attempts { number outcome startedAt durationMs responseCode error }';
const JOBS_TAB = GRAPHIQL_TABS.find((tab) => /query Jobs\b/.test(tab.query))!.query;

describe('the largest pages', () => {
  it('of webhook deliveries, every field with their attempts, pass (armor counted 8,675)', () => {
    const page = `{ webhookDeliveries(endpoint: "e", first: 100) { edges { cursor node { ${DELIVERY_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
    expect(refusals(page)).toEqual([]);
    const nested = `{ webhookEndpoints { id deliveries(first: 100) { edges { node { ${DELIVERY_FIELDS} } } } } }`;
    expect(refusals(nested)).toEqual([]);
  });

  it("of jobs, with the fields GraphiQL's Jobs tab selects, passes", () => {
    expect(JOBS_TAB).toMatch(/jobs\(first: 20\)/);
    expect(refusals(largestPage(JOBS_TAB))).toEqual([]);
  });

  it('two such pages of jobs in one operation are refused, stating the cost and the setting', () => {
    const selection = /jobs\(first: 20\) (\{[^]*\})\s*\}\s*$/.exec(JOBS_TAB)![1]!;
    const page = (alias: string) => `${alias}: jobs(first: 100) ${selection}`;
    expect(refusals(`{ ${page('a')} }`)).toEqual([]);
    expect(refusals(`{ ${page('a')} ${page('b')} }`)).toEqual([
      'OPERATION_LIMIT_EXCEEDED: Query Cost limit of 5000 exceeded, found 5800 (setting MAX_OPERATION_COST): ' +
        '1 per scalar field, 2 per object field plus its selection, times the page its `first` asks for ' +
        '(100 when a variable gives it); ask for fewer fields or smaller pages.',
    ]);
  });
});
