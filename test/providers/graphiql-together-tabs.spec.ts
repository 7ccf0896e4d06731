/**
 * GraphiQL's guided tabs on either provider (issue 19): every tab's document is valid against the
 * schema, and the Together tabs, sent as GraphiQL sends them (their Headers panel, no credentials: the
 * embedded simulator's demo account), run the journey: the documented curl upload (csvColumns), the
 * estimate and createJob with `files`, then the WatchTogether subscription as written, over SSE as
 * GraphiQL sends subscriptions (with the tab's `X-Provider`), to a completed job with its events, loss
 * curve and download link. (GraphiQL itself running that tab in Chromium: test/browser/graphiql-tabs.spec.ts.)
 */
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { GRAPHIQL, GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { curlUpload, headersOf, postAs, runTab, subscribeTab } from '../harness/graphiql-tabs.js';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());

const send = (operation: string, variables?: object) => runTab(stack.gateway, operation, variables);

describe("GraphiQL's guided tabs", () => {
  it.each(GRAPHIQL_TABS.map((tab, i) => [i, tab.query] as const))('tab %i is valid against the schema', (_, query) => {
    expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  });

  it('send subscriptions over SSE, where the Headers panel goes with each one (not graphql-ws)', () => {
    // graphql-ws's connection_init from GraphiQL carries no headers: a tab's X-Provider would be lost.
    expect(GRAPHIQL.subscriptionsProtocol).toBe('SSE');
  });

  it('run the journey on Together with their X-Provider header, to a completed job', async () => {
    expect(headersOf('TogetherCreateJob')).toEqual({ 'X-Provider': 'together' });
    expect(headersOf('WatchTogether')).toEqual({ 'X-Provider': 'together' });
    const providers = (await send('Providers')).data?.providers.map((p: { name: string }) => p.name);
    expect(providers).toEqual(['NSCALE', 'TOGETHER']);
    const models = (await send('TogetherModels')).data?.baseModels.map((m: { id: string }) => m.id);
    expect(models).toContain('meta-llama/Llama-3.2-3B-Instruct');

    const fileId = await curlUpload(stack.gateway, 'TogetherEstimate');
    const estimate = (await send('TogetherEstimate', { fileId })).data?.costEstimate;
    expect(estimate).toMatchObject({ currency: 'USD', allowedToProceed: true });
    expect(estimate.trainingTokens).toBeGreaterThan(0);

    const created = (await send('TogetherCreateJob', { fileId })).data?.createJob;
    expect(created).toMatchObject({ id: expect.stringMatching(/^together:/), provider: 'TOGETHER' });

    // The WatchTogether tab as written: pushed to the final status, then completed.
    const { payloads, completed } = await subscribeTab(stack.gateway, 'WatchTogether', { jobId: created.id });
    expect(completed).toBe(true);
    expect(payloads.flatMap((p) => p.errors ?? [])).toEqual([]);
    const last = payloads.at(-1)?.data?.jobUpdated;
    expect(last).toMatchObject({ id: created.id, status: 'COMPLETED', error: null });
    expect(last.downloadUrl).toMatch(/^https?:\/\//);
    expect(last.metrics.latest.step).toBeGreaterThan(0);
    expect(last.events.map((e: { type: string }) => e.type)).toContain('job_start');
    expect(last.checkpoints.some((c: { final: boolean }) => c.final)).toBe(true);

    const job = (
      await postAs(stack.gateway, headersOf('WatchTogether'), {
        query: 'query($id: ID!) { job(id: $id) { metrics { points { step trainingLoss } } } }',
        variables: { id: created.id },
      })
    ).data?.job;
    expect(job.metrics.points.length).toBeGreaterThan(1);
  });
});
