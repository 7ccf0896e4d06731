/**
 * A CSV whose columns are not Together's defaults (`question,answer`), used from the new-job form on
 * Together in real headless Chromium on the embedded simulators: the browser reads the header, the
 * user picks the prompt column (nothing is uploaded, nor guessed, before), the upload names the picks
 * (`csvColumns`), a row the conversion refuses is said beside the field, and the job is created from
 * the converted file. A header with both `answer` and `completion` waits for the user's pick too. The
 * cost estimate of such a small job is shown below the cent, not rounded to "$0.01". The header is read
 * as the gateway reads it (csv-parse): a quoted name with a comma and a line break, in a file longer
 * than what the browser reads of it; a file the gateway could not read is refused in its words, unsent.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () => (stack = await startStack({ http: true, gateway: { fallbackCredentials: DEMO } })),
);

const rows = (count: number, answer = (i: number) => `Answer number ${i}.`) =>
  Array.from({ length: count }, (_, i) => `"Question ${i}?","${answer(i)}"`);
const csv = (name: string, lines: string[]) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });

/**
 * The ids of the files the page's `uploadFile` requests made, or their refusals. (Their multipart
 * bodies cannot be read here: Chromium does not hand a request body with a file to playwright.)
 */
function uploadsAnswered(page: Page): Array<{ id?: string; error?: string }> {
  const answered: Array<{ id?: string; error?: string }> = [];
  page.on('response', async (response) => {
    const body = (await response.json().catch(() => null)) as {
      data?: { uploadFile?: { id: string } } | null;
      errors?: Array<{ message: string; path?: string[] }>;
    } | null;
    if (body?.data?.uploadFile) answered.push({ id: body.data.uploadFile.id });
    else if (body?.errors?.[0]?.path?.[0] === 'uploadFile') answered.push({ error: body.errors[0].message });
  });
  return answered;
}

/** The JSONL Together's simulator holds for a gateway file id. */
async function together(fileId: string): Promise<string> {
  const id = fileId.replace(/^together:/, '');
  const response = await fetch(`${stack.togetherSimulator!.apiBaseUrl}/files/${id}/content`, {
    headers: { authorization: 'Bearer demo-token' },
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** The costs of the estimates the gateway answered. */
function estimatesAnswered(page: Page): number[] {
  const costs: number[] = [];
  page.on('response', async (response) => {
    const body = (await response.json().catch(() => null)) as { data?: { costEstimate?: { cost: number } } } | null;
    if (body?.data?.costEstimate) costs.push(body.data.costEstimate.cost);
  });
  return costs;
}

describe.skipIf(!CHROMIUM)(`the new-job form's CSV columns on Together in Chromium${SKIP_REASON}`, () => {
  it('creates a job from a question,answer CSV once its prompt column is picked, and prices it below the cent', async () => {
    const page = await open('/dashboard/#/new');
    const uploads = uploadsAnswered(page);
    const estimates = estimatesAnswered(page);
    await page.getByLabel('Provider').selectOption('together');
    await page.getByTestId('files-note').waitFor();
    const file = page.getByLabel('Training file (CSV or JSONL)');
    const prompt = page.getByLabel('Prompt column', { exact: true });
    const answer = page.getByLabel('Answer column', { exact: true });

    // Both `answer` and `completion`: the answer is the user's to pick, and nothing is sent meanwhile.
    await file.setInputFiles(csv('both.csv', ['prompt,answer,completion', '"Hi?","Hello.","Hey."']));
    await page.getByTestId('columns-problem').waitFor();
    expect(await prompt.inputValue()).toBe('prompt');
    expect(await answer.inputValue()).toBe('');

    // No `prompt` column: no guess (not even `question`), no upload, until the user picks one.
    const bad = rows(60, (i) => (i === 47 ? '' : `Answer number ${i}.`));
    await file.setInputFiles(csv('qa.csv', ['question,answer', ...bad]));
    await page.locator('caption', { hasText: 'qa.csv: its columns and first values' }).waitFor();
    expect(await prompt.inputValue()).toBe('');
    expect(await answer.inputValue()).toBe('answer');
    expect(await prompt.locator('option').allTextContents()).toEqual(['Choose a column', 'question', 'answer']);
    expect(await page.getByTestId('columns-problem').textContent()).toMatch(/^Choose the prompt and answer columns/);
    expect(uploads).toEqual([]);

    // Picked: uploaded with the picks; the conversion's refusal of row 48 shows beside the field.
    await prompt.selectOption('question');
    const refusal = page.locator('.upload .error').first();
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/qa\.csv: row 48: the answer is empty\.$/);
    expect(await file.getAttribute('aria-describedby')).toBe(await refusal.getAttribute('id'));
    await expect.poll(() => uploads).toEqual([{ error: expect.stringMatching(/row 48: the answer is empty/) }]);

    // The file mended: picked again (a new file is read anew), uploaded converted, and priced.
    await file.setInputFiles(csv('qa.csv', ['question,answer', ...rows(60)]));
    await page.getByTestId('columns-problem').waitFor();
    expect(await refusal.count()).toBe(0);
    await prompt.selectOption('question');
    await page.getByText(/^qa\.jsonl: [\d,]+ bytes, uploaded\.$/).waitFor();
    // (Each answer is read by a listener of its own, which may come after the page showed it.)
    await expect.poll(() => uploads.length).toBe(2);
    // Converted from the picked columns: each question became a prompt, each answer its completion.
    const jsonl = (await together(uploads[1]!.id!)).trim().split('\n');
    expect(jsonl).toHaveLength(60);
    expect(JSON.parse(jsonl[0]!)).toEqual({ prompt: 'Question 0?', completion: 'Answer number 0.' });

    await page.getByLabel('Job name').fill('together-question-answer');
    const shown = page.getByTestId('estimate');
    await shown.waitFor({ timeout: 20_000 });
    await expect.poll(() => estimates.length).toBeGreaterThan(0);
    const cost = estimates.at(-1)!;
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThan(0.01);
    // At least two significant digits below the cent, within rounding of the gateway's figure.
    const text = (await shown.textContent())!;
    expect(text).toMatch(/^\$0\.00\d\d+ for [\d,]+ tokens/);
    const amount = Number(/^\$([\d.]+)/.exec(text)![1]);
    expect(Math.abs(amount - cost)).toBeLessThanOrEqual(cost * 0.05);

    await page.getByRole('button', { name: 'Start the job' }).click();
    await page.waitForURL(/#\/jobs\/together%3A.+/);
    await page.getByRole('heading', { name: /together-question-answer/ }).waitFor();
    expect(stack.togetherSimulator!.stats()['POST /fine-tunes']).toBe(1);
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);

  it('reads a quoted header of a long file as the gateway does, and refuses an unreadable one before any upload', async () => {
    const page = await open('/dashboard/#/new');
    const uploads = uploadsAnswered(page);
    await page.getByLabel('Provider').selectOption('together');
    await page.getByTestId('files-note').waitFor();
    const file = page.getByLabel('Training file (CSV or JSONL)');
    const prompt = page.getByLabel('Prompt column', { exact: true });

    // 400 KB: more than the browser reads; its first rows are shown, its header names as written.
    const long = rows(8000, (i) => `Answer number ${i}, at some length to fill the file.`);
    await file.setInputFiles(csv('long.csv', ['"the question,\nas asked",answer', ...long]));
    await page.locator('caption', { hasText: 'long.csv: its columns and first values' }).waitFor();
    expect(await prompt.locator('option').allTextContents()).toEqual([
      'Choose a column',
      'the question,\nas asked',
      'answer',
    ]);
    expect(await page.locator('table').first().textContent()).toContain('Question 1?');

    // A quote never closed: the gateway's parser refuses the file, and so does the page, unsent.
    await file.setInputFiles(csv('open.csv', ['question,answer', '"Hi?,Hello.']));
    const refusal = page.locator('.upload .error').first();
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/open\.csv: not a readable CSV file: Quote Not Closed/);

    // A header that does not end within what the browser reads.
    await file.setInputFiles(csv('wide.csv', [Array.from({ length: 30_000 }, (_, i) => `column${i}`).join(',')]));
    await expect
      .poll(() => refusal.textContent())
      .toMatch(/wide\.csv: the CSV header does not end within its first 256 KiB\./);
    expect(uploads).toEqual([]);
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);
});
