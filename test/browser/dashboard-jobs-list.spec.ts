/**
 * The jobs list as a trial user found it wanting, in real headless Chromium on the embedded simulators
 * (each fails every job midway: SIMULATOR_FAILURE_RATE=1). A failed job's row says why it failed (the
 * API's `error { code message }`), on Nscale and on Together, and a long reason stays within the
 * table (it read "Failed · stopped", no reason). The status filter is in the URL: a reload, a shared
 * link and Back keep it, and a status the URL names that is none shows all jobs, saying so (a reload
 * lost the filter).
 */
import { Readable } from 'node:stream';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob, TOGETHER_HEADERS } from '../harness/together-job.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () =>
    (stack = await startStack({
      http: true,
      env: { SIMULATOR_FAILURE_RATE: '1', SIMULATOR_JOB_SECONDS: '2' },
      gateway: { fallbackCredentials: DEMO },
    })),
);

/** An answer column of one unbroken 300-letter name: the simulator's reason for its empty rows quotes it. */
const LONG_COLUMN = `answer_${'x'.repeat(300)}`;

/** A job on Nscale whose answer column is empty in every row: it fails as it starts, naming the column. */
async function jobWithEmptyAnswers(name: string): Promise<void> {
  const csv = ['question,' + LONG_COLUMN, '"What is LoRA?",', '"Why fine-tune?",'].join('\n');
  const file = await stack.client.uploadFile(DEMO, {
    filename: 'empty-answers.csv',
    body: Readable.from([csv]),
    contentType: 'text/csv',
  });
  const dataset = await stack.client.createDataset(DEMO, { name: 'empty answers', trainingFileId: file.id });
  await stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: dataset.id, answerColumn: LONG_COLUMN },
  });
}

const reasonOf = (page: Page, name: string) =>
  page.locator('tr', { has: page.getByRole('link', { name, exact: true }) }).getByTestId('failure-reason');

describe.skipIf(!CHROMIUM)(`the jobs list in Chromium${SKIP_REASON}`, () => {
  it('shows a failed Nscale job’s reason on its row, a long one bounded within the table', async () => {
    const { datasetId } = await seedDataset(stack, DEMO, 'qa');
    await stack.client.createJob(DEMO, {
      name: 'failing job',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    await jobWithEmptyAnswers('long reason');

    const page = await open('/dashboard/#/jobs');
    const reason = reasonOf(page, 'failing job');
    await reason.waitFor({ timeout: 20_000 });
    // As read aloud (and shown, but for the words for screen readers only).
    expect(await reason.textContent()).toBe(
      'Failure reason: the training worker stopped unexpectedly (simulated failure); retry the job (internal)',
    );
    expect(await reason.locator('bdi').isVisible()).toBe(true);

    const long = reasonOf(page, 'long reason');
    await long.waitFor({ timeout: 20_000 });
    expect(await long.locator('bdi').innerText()).toMatch(/^dataset\.answer_column "answer_x+/);
    expect(await long.getAttribute('title')).toContain(`${LONG_COLUMN}" is empty in every row`);
    // Bounded: three lines at most, and the table no wider than its place (no sideways scrolling).
    const lines = await long.evaluate(
      (p) => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight),
    );
    expect(lines).toBeLessThanOrEqual(3.1);
    const wrap = page.locator('.table-wrap');
    expect(await wrap.evaluate((w) => w.scrollWidth - w.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

    // On a phone, where each row is a card, too.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const box = (await long.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    await page.close();
  });

  it('shows a failed Together job’s reason on its row', async () => {
    const page = await open('/dashboard/#/jobs');
    await page.getByLabel('Provider').selectOption('together');
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'together-failing');
    const row = page.locator('tr', { hasText: 'together-failing' });
    const reason = row.getByTestId('failure-reason');
    await reason.waitFor({ timeout: 20_000 });
    expect(await reason.textContent()).toBe(
      'Failure reason: The training worker stopped unexpectedly (simulated failure); create the job again. (job_error)',
    );
    expect(await row.locator('.status').innerText()).toBe('Failed');
    await page.close();
  });

  it('keeps the status filter in the URL: through a reload, a shared link and Back', async () => {
    const { datasetId } = await seedDataset(stack, DEMO, 'filtered');
    await stack.client.createJob(DEMO, {
      name: 'filtered job',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const page = await open('/dashboard/#/jobs');
    const filter = page.getByLabel('Status');
    const link = page.getByRole('link', { name: 'filtered job', exact: true });
    await link.waitFor();

    await filter.selectOption('FAILED');
    await page.waitForURL(/#\/jobs\?status=FAILED$/);
    await link.waitFor({ timeout: 20_000 }); // it fails within seconds
    await filter.selectOption('COMPLETED');
    await page.waitForURL(/#\/jobs\?status=COMPLETED$/);
    await page.getByRole('status').filter({ hasText: 'No completed jobs · live' }).waitFor();

    await page.reload();
    await page.getByRole('status').filter({ hasText: 'No completed jobs · live' }).waitFor();
    expect(await filter.inputValue()).toBe('COMPLETED');

    await page.goBack();
    await page.waitForURL(/#\/jobs\?status=FAILED$/);
    await link.waitFor();
    expect(await filter.inputValue()).toBe('FAILED');

    const shared = await open(`/dashboard/#/jobs?status=FAILED`);
    await shared.getByRole('link', { name: 'filtered job', exact: true }).waitFor();
    expect(await shared.getByLabel('Status').inputValue()).toBe('FAILED');
    expect(
      await shared
        .getByRole('status')
        .filter({ hasText: /jobs? · live/ })
        .innerText(),
    ).toMatch(/^\d+ jobs? · live$/);
    await shared.close();
    await page.close();
  });

  it('shows all jobs, saying so, when the URL names no status there is', async () => {
    const page = await open('/dashboard/#/jobs?status=<b>SOMETIMES</b>');
    await page.getByRole('link', { name: 'filtered job', exact: true }).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('');
    expect(await page.getByTestId('unknown-status').innerText()).toBe(
      'The link asks for status “<b>SOMETIMES</b>”, which is not a job status: all jobs are shown.',
    );
    // Picking a status from there puts it in the URL, and the notice goes.
    await page.getByLabel('Status').selectOption('FAILED');
    await page.waitForURL(/#\/jobs\?status=FAILED$/);
    expect(await page.getByTestId('unknown-status').count()).toBe(0);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it("offers only the statuses the provider's jobs can have: no Starting on Together", async () => {
    const page = await open('/dashboard/#/jobs');
    const options = () => page.getByLabel('Status').locator('option').allTextContents();
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    expect(await options()).toEqual(['All', 'Queued', 'Starting', 'Running', 'Completed', 'Failed', 'Cancelled']);
    await page.getByLabel('Provider').selectOption('together');
    await expect.poll(options).toEqual(['All', 'Queued', 'Running', 'Completed', 'Failed', 'Cancelled']);
    // A link that filters on a status Together's jobs never have shows them all, saying why.
    await page.evaluate(() => (location.hash = '#/jobs?status=STARTING'));
    expect(await page.getByTestId('unknown-status').innerText()).toBe(
      'The link asks for status “STARTING”, which jobs on this provider never have: all jobs are shown.',
    );
    expect(await page.getByLabel('Status').inputValue()).toBe('');
    const closing = /^console: WebSocket is already in CLOSING or CLOSED state/;
    expect(blocked.filter((b) => !closing.test(b))).toEqual([]);
    await page.close();
  });
});
