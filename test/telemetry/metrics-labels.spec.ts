/**
 * The metrics' labels (issue 21 item 9, issue 17 item 7): junk operation names sent early, without
 * credentials or with invented ones, take no label slot, so a real operation keeps its own series;
 * unnamed operations are `anonymous` on every metric; a dry run of `POST /jobs` is told from a
 * creation; the base-model cache's counters are absent when the cache is off; the organization labels
 * the request and error counters only; `nodejs_version_info` is not served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let metrics: GatewayMetrics;

beforeAll(async () => {
  metrics = createGatewayMetrics({ operationNameLimit: 3, organizationLabel: true, processMetrics: false });
  stack = await startStack({ gateway: { metrics } });
});
afterAll(() => stack.close());

const series = async (prefix: string) =>
  (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith(prefix));

/** The value of one series (`name{labels}`), 0 while absent. */
const valueOf = async (key: string) => Number((await series(`${key} `))[0]?.slice(key.length + 1) ?? 0);

describe('metric labels', () => {
  it('junk names sent early, without credentials or with invented ones, leave the slots to real operations', async () => {
    const fake = { token: 'invented-token', organizationId: 'junk-org' };
    for (let i = 0; i < 5; i++) {
      expect((await stack.gql(`query Junk${i} { __typename }`, {}, null)).errors).toBeUndefined();
      const refused = await stack.gql(`query Fake${i} { jobs { totalCount } }`, {}, fake);
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await stack.gql('query Models { baseModels { id } }')).errors).toBeUndefined();

    const requests = await series('gateway_graphql_requests_total');
    expect(requests).toContain(
      'gateway_graphql_requests_total{operationName="Models",operationType="query",organization="demo-org"} 1',
    );
    const text = requests.join('\n');
    expect(text).not.toMatch(/Junk|Fake|junk-org/);
    expect(text).toContain('operationName="other"');
  });

  it('calls an unnamed operation `anonymous` on every metric', async () => {
    expect((await stack.gql('{ baseModels { id } }')).errors).toBeUndefined();
    const text = (await metrics.registry.metrics()).split('\n').filter((l) => !l.startsWith('#'));
    expect(text.filter((l) => l.includes('Anonymous'))).toEqual([]);
    expect(text.some((l) => l.startsWith('gateway_graphql_requests_total{operationName="anonymous"'))).toBe(true);
    expect(
      text.some((l) => l.startsWith('gateway_http_request_duration_seconds_count{operationName="anonymous"')),
    ).toBe(true);
  });

  it('counts each error of a validation failure and of an execution by its phase and code, and each operation once', async () => {
    const refusedSeries =
      'gateway_graphql_requests_total{operationName="other",operationType="query",organization="anonymous"}';
    const refusedBefore = await valueOf(refusedSeries);
    const invalid = await stack.gql('query Invalid { baseModels { noSuchField alsoMissing } }');
    expect(invalid.errors?.map((e) => e.extensions?.['code'])).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    const twoMissing = await stack.gql(
      'query TwoMissing { a: job(id: "job-nope-1") { id } b: job(id: "job-nope-2") { id } }',
    );
    expect(twoMissing.errors?.map((e) => e.extensions?.['code'])).toEqual(['NOT_FOUND', 'NOT_FOUND']);

    const errors = await series('gateway_graphql_errors_total');
    expect(errors.filter((l) => l.includes('phase="validate"'))).toEqual([
      'gateway_graphql_errors_total{operationName="other",operationType="query",organization="anonymous",phase="validate",code="GRAPHQL_VALIDATION_FAILED"} 2',
    ]);
    expect(errors.filter((l) => l.includes('code="NOT_FOUND"'))).toEqual([
      'gateway_graphql_errors_total{operationName="TwoMissing",operationType="query",organization="demo-org",phase="execute",code="NOT_FOUND"} 2',
    ]);
    // An operation refused by validation is answered too: counted like one whose fields failed.
    const requests = await series('gateway_graphql_requests_total');
    expect(requests).toContain(
      'gateway_graphql_requests_total{operationName="TwoMissing",operationType="query",organization="demo-org"} 1',
    );
    expect((await valueOf(refusedSeries)) - refusedBefore).toBe(1);
    const durations = (await series('gateway_http_request_duration_seconds_count')).filter((l) =>
      l.includes('statusCode="400"'),
    );
    expect(durations.length).toBe(1);
  });

  it('labels the request and error counters with the organization, not the duration histograms', async () => {
    const durations = await series('gateway_graphql_request_duration_seconds_count');
    expect(durations.length).toBeGreaterThan(0);
    expect(durations.join('\n')).not.toContain('organization=');
    expect((await series('gateway_graphql_requests_total')).every((l) => l.includes('organization='))).toBe(true);
  });

  it('tells a dry run of POST /jobs (a cost estimate) from a creation', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const input = { name: 'dry', baseModelId: LLAMA_INSTRUCT, dataset: { id: datasetId, answerColumn: 'answer' } };
    await stack.client.estimateJob(DEMO, input);
    await stack.client.estimateJob(DEMO, input);
    await stack.client.createJob(DEMO, input);
    const calls = await series('gateway_upstream_requests_total{method="POST"');
    expect(calls).toContain('gateway_upstream_requests_total{method="POST",route="/jobs (dry run)",status="200"} 2');
    expect(calls.filter((l) => l.includes('route="/jobs",'))).toEqual([
      expect.stringMatching(/^gateway_upstream_requests_total\{method="POST",route="\/jobs",status="20\d"\} 1$/),
    ]);
  });
});

describe('metrics built from the settings', () => {
  it('have no base-model cache counters with the cache off, and no nodejs_version_info', async () => {
    const uncached = await startStack({
      http: true,
      sharedSimulator: stack.simulator,
      env: { METRICS_ENABLED: 'true', BASE_MODEL_CACHE_SECONDS: '0' },
    });
    try {
      expect((await uncached.gql('query Models { baseModels { id } }')).errors).toBeUndefined();
      const text = await (await fetch(uncached.metricsServer!.url)).text();
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toContain('gateway_upstream_requests_total{method="GET",route="/base-models",status="200"} 1');
      expect(text).not.toContain('gateway_base_model_cache_lookups_total');
      expect(text).not.toContain('nodejs_version_info');
    } finally {
      await uncached.close();
    }
  });
});
