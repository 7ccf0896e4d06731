/**
 * The new-job form's hints and checks follow the chosen model's own limits (`BaseModel.hyperparameterLimits`),
 * in real headless Chromium on the embedded simulators: on Nscale the contract's fixed ranges; switched
 * to Together, the model's limits from Together's `GET /fine-tunes/models/limits` (here the simulator's),
 * so the form refuses, before asking the gateway anything, a warmup ratio of 1 that Nscale takes, takes a
 * learning rate Nscale refuses, picks Together's default batch for the model, and the job is created
 * with it. A model sent without limits is said to have none.
 */
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HYPERPARAMETER_RULES, satisfiesRule } from '../../src/contract/hyperparameters.js';
import { LIMITS } from '../../src/simulator/together/model-limits.js';
import { FINE_TUNE_MODELS } from '../../src/simulator/together/models.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open, newPage } = dashboardBrowser(
  async () => (stack = await startStack({ http: true, gateway: { fallbackCredentials: DEMO } })),
);

const CSV = [
  'prompt,answer',
  ...Array.from({ length: 50 }, (_, i) => `"Question ${i}?","Answer number ${i}, in a sentence or two."`),
].join('\n');

/** The Together simulator's model, with its own limits (src/simulator/together/models.ts). */
const MODEL = FINE_TUNE_MODELS.find((m) => m.name === 'meta-llama/Llama-3.2-3B-Instruct')!;
const NSCALE_LR = HYPERPARAMETER_RULES.learningRate;
/** Above Nscale's largest learning rate, within Together's. */
const LEARNING_RATE = NSCALE_LR.max * 5;

const hintOf = (page: Page, path: string) => page.locator(`[id="hint-${path}"]`);
const shown = (page: Page, label: string) =>
  page.locator('dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');
const togetherCalls = () =>
  Object.fromEntries(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0));
/** The variables of each estimate the page asks the gateway for. */
const estimatesSent = (page: Page): Array<Record<string, any>> => {
  const sent: Array<Record<string, any>> = [];
  page.on('request', (request: Request) => {
    const body = request.method() === 'POST' ? request.postDataJSON() : null;
    if (typeof body?.query === 'string' && /^\s*query Estimate\b/.test(body.query)) sent.push(body.variables);
  });
  return sent;
};

describe.skipIf(!CHROMIUM)(`the new-job form's limits in Chromium${SKIP_REASON}`, () => {
  it("shows and checks a Together model's own limits, and creates the job with a value Nscale refuses", async () => {
    expect(satisfiesRule(NSCALE_LR, LEARNING_RATE)).toBe(false);
    expect(LEARNING_RATE).toBeLessThanOrEqual(LIMITS.maxLearningRate);
    expect(satisfiesRule(HYPERPARAMETER_RULES.warmupRatio, 1)).toBe(true);

    const page = await open('/dashboard/#/new');
    const estimates = estimatesSent(page);
    const lrHint = hintOf(page, 'hyperparameters.learningRate');
    await lrHint.filter({ hasText: /./ }).waitFor();
    expect(await lrHint.textContent()).toBe(`a number from ${NSCALE_LR.min} to ${NSCALE_LR.max}; default 0.00001`);

    await page.getByLabel('Provider').selectOption('together');
    await page.getByTestId('files-note').waitFor();
    await page.getByLabel('Base model').selectOption(MODEL.name);
    const together = `a number from ${LIMITS.minLearningRate} to ${LIMITS.maxLearningRate}; default 0.00001`;
    await lrHint.filter({ hasText: together }).waitFor();
    expect(await hintOf(page, 'hyperparameters.warmupRatio').textContent()).toBe(
      'a number from 0 up to (not including) 1; default 0',
    );
    expect(await hintOf(page, 'hyperparameters.lora.r').textContent()).toBe(
      `a whole number from 1 to ${MODEL.lora.maxRank}; default 8`,
    );
    // Together's own default batch for the model: its largest LoRA batch.
    expect(await page.getByLabel('Batch size').inputValue()).toBe(String(MODEL.lora.max));
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();

    await page
      .locator('input[type=file]')
      .first()
      .setInputFiles({ name: 'limits.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByText(/^limits\.jsonl: [\d,]+ bytes, uploaded\.$/).waitFor();
    await page.getByLabel('Job name').fill('together-limits');
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });

    // 1 is Nscale's largest warmup ratio; Together takes only ratios below 1: refused by the form itself.
    await page.getByLabel('Warmup ratio').fill('1');
    const warmupProblem = page.locator('[data-field="hyperparameters.warmupRatio"]');
    await warmupProblem.waitFor();
    expect(await warmupProblem.textContent()).toBe(
      `hyperparameters.warmupRatio: 1 is not a number from 0 up to (not including) 1 for ${MODEL.displayName}`,
    );
    expect(await page.getByRole('button', { name: 'Start the job' }).isDisabled()).toBe(true);
    await page.getByLabel('Warmup ratio').fill('0.1');
    await warmupProblem.waitFor({ state: 'detached' });

    await page.getByLabel('Learning rate').fill(String(LEARNING_RATE));
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-field="hyperparameters.learningRate"]').count()).toBe(0);
    // The estimates asked: the one with the learning rate, and never one with the refused warmup ratio.
    expect(estimates.some((v) => v.input.hyperparameters.learningRate === LEARNING_RATE)).toBe(true);
    expect(estimates.filter((v) => v.input.hyperparameters.warmupRatio === 1)).toEqual([]);

    await page.getByRole('button', { name: 'Start the job' }).click();
    await page.waitForURL(/#\/jobs\/together%3A.+/);
    await page.getByRole('heading', { name: /together-limits/ }).waitFor();
    await shown(page, 'Learning rate').waitFor();
    expect(await shown(page, 'Learning rate').textContent()).toBe(String(LEARNING_RATE));
    expect(await shown(page, 'Warmup ratio').textContent()).toBe('0.1');
    expect(await shown(page, 'Batch size').textContent()).toBe(String(MODEL.lora.max));
    expect(togetherCalls()['POST /fine-tunes']).toBe(1);
    expect(stack.calls()).toEqual({});
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);

  it('says so when the gateway sent no limits for the model, and hints nothing', async () => {
    const page = await newPage();
    // The answer of a gateway whose provider gave no limits: hyperparameterLimits null on every model.
    await page.route('**/graphql', async (route) => {
      const body = route.request().postDataJSON() as { query?: string } | null;
      if (!/^\s*query BaseModels\b/.test(body?.query ?? '')) return route.fallback();
      const response = await route.fetch();
      const json = (await response.json()) as { data: { baseModels: Array<Record<string, unknown>> } };
      for (const model of json.data.baseModels) model.hyperparameterLimits = null;
      await route.fulfill({ response, json });
    });
    await page.goto(`${stack.server!.url}/dashboard/#/new`);
    const note = page.getByTestId('limits-missing');
    await note.waitFor();
    const model = await page.getByLabel('Base model').locator('option:checked').textContent();
    expect(model).toContain((await note.locator('bdi').textContent())!);
    expect(await note.textContent()).toMatch(
      /^The gateway sent no limits for .+: the values below are not checked here/,
    );
    expect(await hintOf(page, 'hyperparameters.learningRate').textContent()).toBe('limits unknown');
    expect(await page.getByLabel('Learning rate').getAttribute('placeholder')).toBe('');
    await page.close();
  }, 60_000);
});
