/**
 * A CSV none of whose columns is named as an answer or a prompt (`foo,bar,baz`), used from the new-job
 * form on Nscale in real headless Chromium on the embedded simulators: no column is guessed (not the last
 * one), the answer picker waits on "Choose a column" with why beside it, and nothing is checked, priced
 * or made (no pre-flight report, no dataset, "Estimate the cost" off) until the user picks the answer;
 * then the pre-flight check reads the picked column and the service prices the job. A header with both
 * `prompt` and `question` waits for the user's prompt pick the same way.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () => (stack = await startStack({ http: true, gateway: { fallbackCredentials: DEMO } })),
);

const csv = (name: string, lines: string[]) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });

/** The GraphQL fields the page's requests were answered with, by name (`analyzeDataset`, `costEstimate`). */
function answered(page: Page): string[] {
  const fields: string[] = [];
  page.on('response', async (response) => {
    const body = (await response.json().catch(() => null)) as { data?: Record<string, unknown> | null } | null;
    for (const [field, value] of Object.entries(body?.data ?? {})) if (value != null) fields.push(field);
  });
  return fields;
}

describe.skipIf(!CHROMIUM)(`the new-job form's dataset columns on Nscale in Chromium${SKIP_REASON}`, () => {
  it('picks no column from a foo,bar,baz CSV, and checks and prices nothing until the answer is picked', async () => {
    const page = await open('/dashboard/#/new');
    const fields = answered(page);
    await page.getByLabel('Provider').selectOption('nscale');
    const file = page.getByLabel('Training file (CSV)', { exact: true });
    const prompt = page.getByLabel('Prompt column');
    const answer = page.getByLabel('Answer column');
    const estimate = page.getByRole('button', { name: 'Estimate the cost' });

    const rows = Array.from({ length: 40 }, (_, i) => `"Foo ${i}","Bar ${i}","Baz number ${i}."`);
    await file.setInputFiles(csv('foobar.csv', ['foo,bar,baz', ...rows]));
    await page.getByRole('cell', { name: 'Baz number 0.' }).waitFor(); // the service's preview of the file
    const problem = page.locator('[data-field="dataset.answerColumn"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^Choose the answer column/);
    expect(await answer.getAttribute('aria-describedby')).toBe('problem-dataset.answerColumn');
    expect(await answer.inputValue()).toBe('');
    expect(await answer.locator('option').allTextContents()).toEqual(['Choose a column', 'foo', 'bar', 'baz']);
    expect(await prompt.inputValue()).toBe(''); // "(none)": Nscale's prompt is optional
    expect(await estimate.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Start the job' }).isDisabled()).toBe(true);
    // Nothing checked, priced or made meanwhile.
    await page.waitForTimeout(1_000);
    expect(await page.getByTestId('preflight').count()).toBe(0);
    expect(fields.filter((f) => f === 'analyzeDataset' || f === 'costEstimate')).toEqual([]);
    expect(stack.calls()['POST /datasets']).toBeUndefined();

    // Picked: the pre-flight check reads the 40 rows by the picked answer, and the service prices the job.
    await answer.selectOption('baz');
    expect(await problem.count()).toBe(0);
    expect(await answer.locator('option').allTextContents()).toEqual(['foo', 'bar', 'baz']);
    await page.getByTestId('preflight').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('training-rows-read').textContent()).toBe('40');
    await estimate.click();
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('estimate').textContent()).toMatch(/ for [\d,]+ tokens/);
    expect(stack.calls()['POST /datasets']).toBe(1);
    expect(fields).toContain('costEstimate');
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);

  it('waits for the prompt pick where the header has both prompt and question', async () => {
    const page = await open('/dashboard/#/new');
    await page.getByLabel('Provider').selectOption('nscale');
    const file = page.getByLabel('Training file (CSV)', { exact: true });
    const prompt = page.getByLabel('Prompt column');
    const answer = page.getByLabel('Answer column');

    const rows = Array.from({ length: 20 }, (_, i) => `"Prompt ${i}","Question ${i}?","Answer ${i}."`);
    await file.setInputFiles(csv('both.csv', ['prompt,question,answer', ...rows]));
    const problem = page.locator('[data-field="dataset.promptColumn"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^Choose the prompt column/);
    expect(await answer.inputValue()).toBe('answer');
    expect((await prompt.locator('option').allTextContents()).slice(0, 2)).toEqual(['Choose a column', '(none)']);
    expect(await page.getByRole('button', { name: 'Estimate the cost' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('preflight').count()).toBe(0);

    await prompt.selectOption('question');
    expect(await problem.count()).toBe(0);
    await page.getByTestId('preflight').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Estimate the cost' }).isDisabled()).toBe(false);
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);
});
