/**
 * The dashboard in real headless Chromium on the embedded-simulator setup (default credentials, short
 * jobs): upload a CSV and see its pre-flight report (the numbers `analyzeDataset` gives for the same
 * file), see a bad validation file's problem beside it, fix a problem shown beside its field, see the
 * estimate, start the job, watch its chart gain points until COMPLETED, find the download link, and
 * delete the dataset on the Datasets page. Nothing is created upstream before the user asks for the
 * estimate (the dataset it needs is made then), and one dataset is made in all. Another organization's
 * jobs never show.
 */
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, QA_CSV, seedDataset } from '../harness/fixtures.js';
import { DEMO, OTHER, headersFor, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () =>
    (stack = await startStack({ http: true, simulator: { jobSeconds: 12 }, gateway: { fallbackCredentials: DEMO } })),
);

/**
 * About 200 examples (about 50 steps at batch size 4, so the curve has points to grow by), one with
 * an empty answer and one repeating an earlier row, for the pre-flight report to find.
 */
const CSV = [
  QA_CSV,
  ...Array.from({ length: 195 }, (_, i) => `"Question ${i}?","Answer number ${i}, in a sentence or two."`),
  '"A question nobody answered?",""',
  '"Question 7?","Answer number 7, in a sentence or two."',
].join('\n');

/** The same file's report through GraphQL (a multipart request), as any client would ask for it. */
async function analyzeDirectly(csv: string, baseModelId: string) {
  const query = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
    training { rowsRead problemCount problems { row } duplicateCount duplicates { row duplicateOf } tokens { total } } cost { cost tokens } } }`;
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query,
      variables: { input: { trainingFile: null, baseModelId, promptColumn: 'question', answerColumn: 'answer' } },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.input.trainingFile'] }));
  form.set('0', new Blob([csv], { type: 'text/csv' }), 'support.csv');
  const response = await fetch(`${stack.server!.url}/graphql`, {
    method: 'POST',
    headers: headersFor(DEMO),
    body: form,
  });
  const body = (await response.json()) as { data?: { analyzeDataset: any }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data!.analyzeDataset;
}

const points = (page: Page) => page.locator('.chart-canvas').getAttribute('data-points').then(Number);

describe.skipIf(!CHROMIUM)(`dashboard in Chromium${SKIP_REASON}`, () => {
  it('uploads a CSV, fixes a problem beside its field, sees the estimate, starts the job and watches it complete', async () => {
    const page = await open('/dashboard/#/new');
    await page
      .locator('input[type=file]')
      .first()
      .setInputFiles({ name: 'support.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('cell', { name: 'What is LoRA?' }).waitFor(); // the file's preview
    expect(await page.getByLabel('Answer column').inputValue()).toBe('answer');
    expect(await page.getByLabel('Prompt column').inputValue()).toBe('question');

    // The pre-flight report: the numbers analyzeDataset answers for the same file and model.
    await page.getByTestId('preflight').waitFor();
    const direct = await analyzeDirectly(CSV, await page.getByLabel('Base model').inputValue());
    expect(direct.training.rowsRead).toBe(202);
    expect(await page.getByTestId('training-rows-read').textContent()).toBe(
      direct.training.rowsRead.toLocaleString('en-US'),
    );
    expect(await page.getByTestId('training-tokens').textContent()).toMatch(
      new RegExp(`^${direct.training.tokens.total.toLocaleString('en-US')} `),
    );
    expect(direct.training.problemCount).toBe(1);
    expect(await page.getByTestId('training-unusable').textContent()).toContain(
      `row ${direct.training.problems[0].row} (line`,
    );
    expect(await page.getByTestId('preflight-training').textContent()).toContain(
      `row ${direct.training.duplicates[0].row} repeats row ${direct.training.duplicates[0].duplicateOf}`,
    );
    expect(await page.getByTestId('preflight-cost').textContent()).toContain(
      `for ${direct.cost.tokens.toLocaleString('en-US')} tokens`,
    );
    // Choosing files and reading their report created no dataset: that waits for the user's commit.
    expect(stack.calls()['POST /datasets']).toBeUndefined();
    expect(await page.getByTestId('preflight-upstream').count()).toBe(0);
    await page.getByRole('button', { name: 'Estimate the cost' }).click(); // the commit: the dataset is made now
    // Beside the report, the upstream's dry run for the dataset the commit made: the same count.
    await page.getByTestId('preflight-upstream').waitFor();
    expect(await page.getByTestId('preflight-upstream').textContent()).toContain(': the same.');
    expect(stack.calls()['POST /datasets']).toBe(1);

    // A validation file without the answer column: the problem shows beside the answer column's field.
    const validationInput = page.locator('input[type=file]').nth(1);
    await validationInput.setInputFiles({
      name: 'held-out.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('question,reply\n"What is LoRA?","Adapters."\n'),
    });
    const fileProblem = page.locator('[data-field="dataset.answerColumn"]');
    await fileProblem.waitFor();
    expect(await fileProblem.textContent()).toContain('"answer" is not a column of the validation file "held-out.csv"');
    expect(await page.getByLabel('Answer column').getAttribute('aria-describedby')).toBe(
      'problem-dataset.answerColumn',
    );
    await page.getByText('The check found problems').waitFor(); // analyzeDataset's own answer, not only the estimate's
    await validationInput.setInputFiles([]);
    await fileProblem.waitFor({ state: 'detached' });
    await page.getByTestId('preflight').waitFor();

    await page.getByLabel('Job name').fill('browser journey');
    await page.getByLabel('Evaluations').fill('4');
    await page.getByLabel('Learning rate').fill('0.5');
    const problem = page.locator('[data-field="hyperparameters.learningRate"]');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('hyperparameters.learningRate: 0.5');
    expect(await page.getByTestId('estimate').count()).toBe(0);

    await page.getByLabel('Learning rate').fill('0.0001');
    await page.getByTestId('estimate').waitFor();
    expect(await page.getByTestId('estimate').textContent()).toMatch(/^\$\d+\.\d\d for [\d,]+ tokens/);
    expect(await problem.count()).toBe(0);

    await page.getByRole('button', { name: 'Start the job' }).click();
    await page.waitForURL(/#\/jobs\/.+/);
    await page.getByRole('heading', { name: 'browser journey' }).waitFor();
    // The chart's frame is there before its first point.
    await page.locator('.chart-canvas canvas').waitFor();

    await page.waitForFunction(
      () => Number(document.querySelector('.chart-canvas')?.getAttribute('data-points')) > 0,
      null,
      { timeout: 20_000 },
    );
    const first = await points(page);
    if (process.env.DASHBOARD_SCREENSHOT) {
      await page.waitForFunction(
        () => Number(document.querySelector('.chart-canvas')?.getAttribute('data-points')) >= 25,
        null,
        { timeout: 20_000 },
      );
      await mkdir('docs', { recursive: true });
      await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: false });
    }
    await page.getByTestId('job-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
    expect(await points(page)).toBeGreaterThan(first);
    expect(await page.locator('#loss-summary').textContent()).toMatch(/Best validation loss \d\.\d{4} at step \d+\./);
    // Nscale keeps no checkpoints nor event log (its capabilities say so): no card for them.
    expect(await page.getByTestId('job-history').count()).toBe(0);

    const download = page.getByRole('link', { name: /Download the adapter/ });
    expect(await download.getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    // The Datasets page lists the dataset the job was made from, with its file, and deletes it.
    await page.getByRole('link', { name: 'Datasets' }).click();
    const row = page.getByTestId('dataset-row').filter({ hasText: 'support.csv' });
    await row.waitFor();
    expect(await row.textContent()).toContain(`support.csv (${Buffer.byteLength(CSV).toLocaleString('en-US')} bytes)`);
    // A dataset per set of files the form priced (alone, with the validation file, alone again): the two
    // no job took were deleted by the form, the job's is left.
    expect(stack.calls()['POST /datasets']).toBe(3);
    const made = (await stack.client.listDatasets(DEMO)).filter((d) => d.name === 'support');
    expect(made).toHaveLength(1);
    const ours = made[0];
    // Its id is shown, for GraphiQL's estimate and job tabs (GraphiQL cannot send a file).
    expect(await row.locator('code.dataset-id').textContent()).toBe(ours!.id);
    await row.getByRole('button', { name: 'Delete dataset support' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await stack.client.listDatasets(DEMO)).map((d) => d.id)).not.toContain(ours!.id);
    expect(stack.calls()['DELETE /datasets/{id}']).toBe(3);

    expect(blocked).toEqual([]);
    await page.close();
  }, 90_000);

  it("never shows another organization's jobs", async () => {
    const { datasetId: theirs } = await seedDataset(stack, OTHER, 'theirs');
    const { datasetId: ours } = await seedDataset(stack, DEMO, 'ours');
    await stack.client.createJob(OTHER, {
      name: 'their secret job',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: theirs, answerColumn: 'answer' },
    });
    // Created after theirs: once it shows, the list was read after their job existed.
    await stack.client.createJob(DEMO, {
      name: 'our later job',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: ours, answerColumn: 'answer' },
    });

    const page = await open('/dashboard/#/jobs');
    await page.getByRole('link', { name: 'our later job', exact: true }).waitFor();
    expect(await page.getByText('their secret job').count()).toBe(0);
    expect(await page.locator('table.jobs').textContent()).not.toContain('their');
    await page.close();
  });
});
