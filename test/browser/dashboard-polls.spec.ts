/**
 * What the dashboard costs the upstream, the designed minimum: two browsers on the job list (two jobs
 * RUNNING on it), one with one job's chart open, make one list poller for the organization and one
 * job poller for the job whose chart is open: nothing per browser, nothing per running row; the
 * simulator's counts show no metrics read per browser or per list event. Jobs stand still on a
 * manual clock, so every poll the counts see is a poll of an unchanged state.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, ensureDashboardBuilt, launchChromium } from './chromium.js';

const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);
let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!CHROMIUM) return;
  ensureDashboardBuilt();
  stack = await startStack({
    http: true,
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    gateway: { fallbackCredentials: DEMO },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.close();
});

async function openDashboard(path: string) {
  const context = await browser.newContext(); // a separate browser profile: its own WebSocket
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${stack.server!.url}/dashboard/${path}`);
  return page;
}

describe.skipIf(!CHROMIUM)(`dashboard polls${SKIP_REASON}`, () => {
  it('two browsers showing the jobs, two running, one chart open: one list poller and one job poller', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const create = (name: string) =>
      stack.client.createJob(DEMO, {
        name,
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
    const done = [];
    for (let i = 0; i < 5; i++) done.push(await create(`finished ${i}`));
    clock.at(done.at(-1)!, 1.5); // all five completed
    await create('running 1');
    const running = await create('running 2');
    clock.at(running, 0.5); // both running

    const first = await openDashboard('#/jobs');
    const second = await openDashboard('#/jobs');
    for (const page of [first, second]) {
      await page.getByRole('link', { name: 'finished 4' }).waitFor();
      for (const name of ['running 1', 'running 2'])
        await page.getByRole('link', { name: `Steps and time left of ${name}` }).waitFor();
    }
    await second.getByRole('link', { name: 'running 2', exact: true }).click();
    await second.locator('.chart-canvas[data-points]:not([data-points="0"])').waitFor();
    await second.getByText(/step \d+ of \d+/).waitFor(); // the chart's page has the step of total

    expect(stack.live.listPollerCount()).toBe(1);
    expect(stack.live.pollerCount()).toBe(1);

    // Counted over the next 20 list polls: the one job poller reads its job and metrics once per
    // interval (the same interval as the list here); nothing is read per browser, per running row
    // or per event.
    stack.simulator.resetStats();
    const counts = await eventually(
      () => {
        const calls = stack.calls();
        return (calls['GET /jobs'] ?? 0) >= 20 ? calls : undefined;
      },
      20_000,
      '20 list polls',
    );
    const listPolls = counts['GET /jobs']!;
    expect(Object.keys(counts).sort()).toEqual(['GET /jobs', 'GET /jobs/{id}', 'GET /jobs/{id}/metrics']);
    // Same interval, so about as many job reads as list reads (timers drift apart a little under load);
    // a poller per browser, or one per running row, would make twice as many.
    expect(counts['GET /jobs/{id}']).toBeLessThanOrEqual(Math.ceil(listPolls * 1.25) + 2);
    expect(counts['GET /jobs/{id}/metrics']).toBeLessThanOrEqual(counts['GET /jobs/{id}']! + 1);
  });
});
