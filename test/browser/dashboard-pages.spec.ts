/**
 * What the dashboard's pages show in the states a browser trial found wrong: an organization with no
 * jobs, and a status filter nothing matches, say so (not "Waiting for the job list…" forever); user
 * strings with bidi controls (U+202E) stay inside themselves instead of turning the page's own words
 * around them; the Datasets page is usable on a 375 px screen; and credentials a gateway with default
 * ones refused can be forgotten from the sign-in form. Switching provider on a job's page leads to the
 * other provider's jobs list, not to a refusal of the first provider's job id.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, ensureDashboardBuilt, launchChromium } from './chromium.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM) return;
  ensureDashboardBuilt();
  // Jobs queued for an hour: none changes status while the specs run.
  stack = await startStack({ http: true, simulator: { jobSeconds: 3_600 }, gateway: { fallbackCredentials: DEMO } });
  // Made here, before any page reads the datasets: made behind the gateway's back (through the
  // upstream client), a dataset shows on the Datasets page only once the gateway's cached list expires.
  await seedDataset(stack, DEMO, LONG_NAME);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${stack.server!.url}/dashboard/${path}`);
  return page;
}

const LONG_NAME = 'a dataset with a rather long name for a phone';

/** A name that, shown without isolation, reverses everything after it on its line. */
const REVERSING = 'quarterly\u202Ereport';

/**
 * Whether `word`, in the text of `element`, is drawn left to right as written: its first letter left
 * of its last (a right-to-left override leaking from a user string beside it draws it reversed).
 */
function drawnLeftToRight(element: Locator, word: string): Promise<boolean> {
  return element.evaluate((root, word) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent!.indexOf(word);
      if (at < 0) continue;
      const left = (offset: number) => {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().left;
      };
      return left(at) < left(at + word.length - 1);
    }
    throw new Error(`"${word}" is not in the element`);
  }, word);
}

describe.skipIf(!CHROMIUM)(`dashboard pages${SKIP_REASON}`, () => {
  it('says an organization has no jobs, and a filter no match, once that is known', async () => {
    const page = await open('#/jobs');
    const status = page.getByRole('status');
    await status.filter({ hasText: 'No jobs yet · live' }).waitFor();

    const { datasetId } = await seedDataset(stack, DEMO, 'first data');
    await stack.client.createJob(DEMO, {
      name: 'the first job',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    await page.getByRole('link', { name: 'the first job', exact: true }).waitFor();
    await status.filter({ hasText: '1 job · live' }).waitFor();

    await page.getByLabel('Status').selectOption('FAILED');
    await status.filter({ hasText: 'No failed jobs · live' }).waitFor();
    expect(await page.getByRole('link', { name: 'the first job', exact: true }).count()).toBe(0);
    await page.close();
  });

  it('keeps a user string’s bidi controls inside it: job details, datasets, the jobs list', async () => {
    const { datasetId } = await seedDataset(stack, DEMO, REVERSING);
    const job = await stack.client.createJob(DEMO, {
      name: `job ${REVERSING}`,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });

    const jobPage = await open(`#/jobs/${encodeURIComponent(job.id)}`);
    const dataset = jobPage.locator('dt', { hasText: 'Dataset' }).locator('xpath=following-sibling::dd[1]');
    await dataset.filter({ hasText: 'training' }).waitFor();
    // "<dataset> · training <file>": the dashboard's word after the dataset's name reads as written.
    expect(await drawnLeftToRight(dataset, 'training')).toBe(true);
    await jobPage.close();

    const datasets = await open('#/datasets');
    const row = datasets.getByTestId('dataset-row').filter({ hasText: `${REVERSING}.csv` });
    await row.waitFor();
    // "<file> (N bytes)"
    expect(await drawnLeftToRight(row.locator('td', { hasText: 'bytes' }), 'bytes')).toBe(true);
    await datasets.close();

    const list = await open('#/jobs');
    const link = list.getByRole('link', { name: `job ${REVERSING}`, exact: true });
    await link.waitFor();
    // The name is isolated from what the row says around it.
    expect(
      await link.evaluate((a) => [...a.querySelectorAll('*')].map((e) => getComputedStyle(e).unicodeBidi)),
    ).toContain('isolate');
    await list.close();
  });

  it('shows each dataset with its Delete button within a 375 px screen', async () => {
    const page = await open('#/datasets', { width: 375, height: 800 });
    const row = page.getByTestId('dataset-row').filter({ hasText: LONG_NAME });
    await row.waitFor();
    const button = row.getByRole('button', { name: `Delete dataset ${LONG_NAME}` });
    const box = (await button.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    for (const cell of await row.locator('td').all()) {
      const cellBox = (await cell.boundingBox())!;
      expect(cellBox.x + cellBox.width).toBeLessThanOrEqual(375);
    }
    // Each value is labelled (the header row is not shown), as the header does on a wide screen.
    const labels = await row
      .locator('td')
      .evaluateAll((cells) => cells.map((cell) => getComputedStyle(cell, '::before').content));
    expect(labels).toEqual(expect.arrayContaining(['"Name"', '"Training file"', '"Validation file"']));
    // ...and every part of a value is drawn beside its label, not under it.
    const indents = await row.locator('td[data-label]').evaluateAll((cells) =>
      cells.map((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lefts = [...range.getClientRects()].map((rect) => rect.left);
        return Math.min(...lefts) - cell.getBoundingClientRect().left;
      }),
    );
    for (const indent of indents) expect(indent).toBeGreaterThan(80);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.close();
  });

  it('offers the gateway’s default credentials again once credentials it refused are stored', async () => {
    const page = await open('#/jobs');
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.evaluate(() =>
      sessionStorage.setItem(
        'fine-tuning-dashboard.credentials',
        JSON.stringify({ token: 'a-wrong-token', organizationId: 'demo-org' }),
      ),
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('alert').waitFor(); // why the stored ones were refused

    await page.getByRole('button', { name: "Use the gateway's defaults" }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('fine-tuning-dashboard.credentials'))).toBeNull();
    await page.close();
  });

  it("goes to the jobs list when the provider is switched on a job's page", async () => {
    const { datasetId } = await seedDataset(stack, DEMO, 'switched');
    const job = await stack.client.createJob(DEMO, {
      name: 'switched',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const page = await open(`#/jobs/${encodeURIComponent(job.id)}`);
    await page.getByRole('heading', { name: /switched/ }).waitFor();
    await page.getByLabel('Provider').selectOption('together');
    await page.waitForURL(/#\/jobs$/);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(await page.locator('.error, [role="alert"]').allTextContents()).toEqual([]);
    await page.close();
  });
});
