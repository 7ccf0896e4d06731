/**
 * The dashboard on Together (issue 19), in real headless Chromium on the embedded simulators (default
 * credentials of each): switch the provider in the header, and the new-job page offers what Together
 * does (no dataset step: the uploaded file's id goes in `files`; the estimate comes without a commit;
 * no Datasets page), the job starts, its loss chart grows over WebSocket to COMPLETED, and the
 * download link shows and downloads the adapter in the browser (the gateway's own link: Together's
 * answers only to the key). Counted from both simulators: everything reached Together, nothing Nscale.
 * A job that trained every weight (full training) offers the model, not an adapter, to download.
 * A job's saved checkpoints, each with its download, and its event log are on its page, read apart
 * from its subscription (an upstream call each, made again only when its status changes).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob, TOGETHER_HEADERS } from '../harness/together-job.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () =>
    (stack = await startStack({
      http: true,
      env: { SIMULATOR_JOB_SECONDS: '10' },
      gateway: { fallbackCredentials: DEMO },
    })),
);

/** About 200 samples in the columns Together's CSV conversion reads by default. */
const CSV = [
  'prompt,answer',
  ...Array.from({ length: 200 }, (_, i) => `"Question ${i}?","Answer number ${i}, in a sentence or two."`),
].join('\n');

const points = (page: Page) => page.locator('.chart-canvas').getAttribute('data-points').then(Number);
const togetherCalls = () =>
  Object.fromEntries(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0));

describe.skipIf(!CHROMIUM)(`dashboard on Together in Chromium${SKIP_REASON}`, () => {
  it('switches to Together, creates a job from the uploaded file and watches its loss chart grow to COMPLETED', async () => {
    const page = await open('/dashboard/#/new');
    await page.getByRole('link', { name: 'Datasets' }).waitFor(); // Nscale first: it has datasets
    await page.getByLabel('Provider').selectOption('together');
    // Together has no datasets: no Datasets page, no dataset step (columns are picked per upload).
    await page.getByTestId('files-note').waitFor();
    expect(await page.getByRole('link', { name: 'Datasets' }).count()).toBe(0);
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();

    await page
      .locator('input[type=file]')
      .first()
      .setInputFiles({ name: 'together.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    // Converted to Together's JSONL samples on the way, from the columns the header names plainly.
    await page.getByText(/^together\.jsonl: [\d,]+ bytes, uploaded\.$/).waitFor();
    await page.getByText('Converted to JSONL samples on upload.').waitFor();
    // The header leaves no doubt (prompt, answer): those columns are picked, and shown picked.
    expect(await page.getByLabel('Prompt column').inputValue()).toBe('prompt');
    expect(await page.getByLabel('Answer column').inputValue()).toBe('answer');
    expect(await page.getByRole('button', { name: 'Estimate the cost' }).count()).toBe(0);
    const models = await page.getByLabel('Base model').locator('option').allTextContents();
    expect(models.length).toBeGreaterThan(0);

    // Together makes the job's name the model's suffix: letters, digits, "-", "_" and "." only.
    await page.getByLabel('Job name').fill('together-browser-journey');
    // Together's estimate-price, asked without a commit (nothing is created upstream for it).
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('estimate').textContent()).toMatch(/^\$\d+\.\d{2,} for [\d,]+ tokens/);
    expect(togetherCalls()['POST /fine-tunes/estimate-price']).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Start the job' }).click();
    await page.waitForURL(/#\/jobs\/together%3A.+/);
    // A Together job's name is the model it makes, which holds the suffix.
    await page.getByRole('heading', { name: /together-browser-journey/ }).waitFor();
    await page.locator('.chart-canvas canvas').waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('.chart-canvas')?.getAttribute('data-points')) > 0,
      null,
      { timeout: 30_000 },
    );
    const first = await points(page);
    await page.getByTestId('job-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 40_000 });
    expect(await points(page)).toBeGreaterThan(first);
    expect(await page.getByRole('link', { name: /Download the adapter/ }).getAttribute('href')).toMatch(/^https?:\/\//);
    // Together exports to Hugging Face only at creation: no export form on a finished job.
    expect(await page.getByRole('heading', { name: 'Export to Hugging Face' }).count()).toBe(0);

    // One job created, on Together; Nscale's simulator saw nothing of this journey.
    expect(togetherCalls()['POST /fine-tunes']).toBe(1);
    expect(stack.calls()).toEqual({});
    expect(blocked).toEqual([]);

    // The link works in the browser, which holds no Together key: the gateway's own link (a .tar.gz).
    const link = page.getByRole('link', { name: /Download the adapter/ });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${stack.server!.url}/downloads/[\\w-]{43}$`));
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/-adapter\.tar\.gz$/);
    const archive = readFileSync((await download.path())!);
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip, not Together's 401
    expect(togetherCalls()['GET /finetune/download']).toBe(1);
    await page.close();
  }, 120_000);

  it('labels the download of a full-training job by what it trained: the model, not an adapter', async () => {
    const job = await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'full-weights', { lora: { enabled: false } });
    const before = blocked.length; // what the test before left (its page's sockets closing)
    const page = await open('/dashboard/#/jobs');
    await page.getByLabel('Provider').selectOption('together');
    // Opened from Together's list, as a user does, once the list shows it.
    await page
      .locator(`a[href="#/jobs/${encodeURIComponent(job.id)}"]`)
      .first()
      .click();
    await page.getByRole('heading', { name: /full-weights/ }).waitFor();
    // The job's settings say it: no LoRA, every weight trained.
    await page.getByText('none: every weight trained (full training)').waitFor();
    await page.getByTestId('job-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 40_000 });
    const link = page.getByRole('link', { name: /^Download the / });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${stack.server!.url}/downloads/[\\w-]{43}$`));
    expect(await link.textContent()).toBe('Download the model (.tar.gz)');
    // A page's socket closing (the test before's, or the Nscale one the provider switch closes) may make
    // Chromium warn that a message met it closing: harmless, the subscription had ended (a leftover).
    // Anything else fails.
    const closing = /^console: WebSocket is already in CLOSING or CLOSED state/;
    expect(blocked.slice(before).filter((b) => !closing.test(b))).toEqual([]);
    await page.close();
  }, 90_000);

  it("lists the job's checkpoints, each downloadable, and its event log, read again only as its status changes", async () => {
    const job = await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'with-checkpoints', {
      nEpochs: 2,
      batchSize: 8,
      nCheckpoints: 3,
    });
    const before = blocked.length;
    const page = await open('/dashboard/#/jobs');
    await page.getByLabel('Provider').selectOption('together');
    stack.togetherSimulator!.resetStats(); // the job pages of the tests before read theirs
    await page.goto(`${stack.server!.url}/dashboard/#/jobs/${encodeURIComponent(job.id)}`);
    await page.getByTestId('job-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 40_000 });
    const checkpoints = page.getByRole('table', { name: 'Checkpoints' });
    // Two intermediate checkpoints and the final model (the simulator counts it among the three).
    await checkpoints.getByRole('row').nth(3).waitFor({ timeout: 10_000 });
    const rows = await checkpoints.getByRole('row').allTextContents();
    expect(rows).toHaveLength(4); // with the header
    expect(rows[1]).toMatch(/^Final model/);
    const links = checkpoints.getByRole('link', { name: 'Download (.tar.gz)' });
    expect(await links.count()).toBe(3);
    for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
      expect(href).toMatch(new RegExp(`^${stack.server!.url}/downloads/[\\w-]{43}$`));
    const events = page.getByRole('list', { name: 'Events' }).getByRole('listitem');
    expect(await events.count()).toBeGreaterThan(1);

    // Read as the page opened and once per status it saw after (Together's pending, queued, running,
    // uploading, completed), not at every new loss point of the chart.
    const reads = togetherCalls();
    expect(reads['GET /fine-tunes/{id}/checkpoints']).toBeGreaterThanOrEqual(1);
    expect(reads['GET /fine-tunes/{id}/checkpoints']).toBeLessThanOrEqual(6);
    expect(reads['GET /fine-tunes/{id}/events']).toBeLessThanOrEqual(6);
    expect(await points(page)).toBeGreaterThan(6);

    // Refresh asks the gateway again (which answers a completed job's from its response cache).
    const [asked] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/graphql') && (r.postData() ?? '').includes('query JobHistory')),
      page.getByRole('button', { name: 'Refresh' }).click(),
    ]);
    expect((await asked.response())?.status()).toBe(200);
    const closing = /^console: WebSocket is already in CLOSING or CLOSED state/;
    expect(blocked.slice(before).filter((b) => !closing.test(b))).toEqual([]);
    await page.close();
  }, 90_000);
});
