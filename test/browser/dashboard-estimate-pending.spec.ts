/**
 * The new-job form's cost card while the service's estimate is being computed, in real headless
 * Chromium on the embedded simulators: it says the estimate is being computed, never that the inputs
 * are wrong (a trial user read "The estimate appears once the inputs are valid." while the dataset was
 * being made and the estimate asked), on Nscale (a dataset made first) and on Together (no commit);
 * inputs that are wrong still say so, differently.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, startStack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

const { blocked, open } = dashboardBrowser(() => startStack({ http: true, gateway: { fallbackCredentials: DEMO } }));

const CSV = {
  name: 'support.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from(
    ['prompt,answer', ...Array.from({ length: 40 }, (_, i) => `"Question ${i}?","Answer number ${i}."`)].join('\n'),
  ),
};

const COMPUTING = 'Computing the estimate…';
const INVALID = /once every field above is valid/;

/** Every text the cost card's line showed from now on (each change, as drawn), in order. */
async function recordCardTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    const note = () => {
      const text = document.querySelector('.estimate p.muted')?.textContent ?? '';
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { seen: string[] }).seen);
}

describe.skipIf(!CHROMIUM)(`the cost card while the estimate is computed, in Chromium${SKIP_REASON}`, () => {
  it('says the estimate is being computed on Nscale, from "Estimate the cost" to the price', async () => {
    const page = await open('/dashboard/#/new');
    await page.getByLabel('Provider').selectOption('nscale');
    await page.getByLabel('Training file (CSV)', { exact: true }).setInputFiles(CSV);
    const button = page.getByRole('button', { name: 'Estimate the cost' });
    await page.waitForFunction(() => {
      const b = [...document.querySelectorAll('button')].find((e) => e.textContent === 'Estimate the cost');
      return b && !b.disabled;
    });
    const seen = await recordCardTexts(page);
    await button.click();
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });
    const texts = await seen();
    // Between the click and the price: the dataset made, the input settling, the estimate asked.
    expect(texts).toContain(COMPUTING);
    expect(texts.filter((t) => INVALID.test(t) || /inputs are valid/.test(t))).toEqual([]);

    // Wrong inputs say so, and not that anything is being computed.
    await page.getByLabel('Epochs').fill('0');
    await page.locator('.estimate p.muted', { hasText: INVALID }).waitFor();
    expect(await page.getByTestId('estimate-state').textContent()).toBe(
      'No estimate yet: the estimate appears once every field above is valid.',
    );
    // No console error (a request the form aborted itself, the pre-flight check of the former inputs, may show as failed).
    expect(blocked.filter((entry) => entry.startsWith('console:'))).toEqual([]);
    await page.close();
  }, 60_000);

  it('says the estimate is being computed on Together, as the inputs change', async () => {
    const page = await open('/dashboard/#/new');
    await page.getByLabel('Provider').selectOption('together');
    await page.getByTestId('files-note').waitFor();
    await page.locator('input[type=file]').first().setInputFiles(CSV);
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });

    const seen = await recordCardTexts(page);
    await page.getByLabel('Job name').fill('renamed');
    await page.locator('.estimate p.muted').waitFor(); // the former price goes: it priced other inputs
    await page.getByTestId('estimate').waitFor({ timeout: 20_000 });
    const texts = await seen();
    expect(texts).toContain(COMPUTING);
    expect(texts.filter((t) => INVALID.test(t) || /inputs are valid/.test(t))).toEqual([]);
    await page.close();
  }, 60_000);
});
