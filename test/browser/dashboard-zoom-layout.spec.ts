/**
 * What a trial user could not read, in real headless Chromium: the dashboard's header at 200 % zoom (a
 * 1280 × 800 window is 640 × 400 CSS pixels then) took a third of the screen, its provider switch a
 * tall block whose label did not show; GraphiQL's welcome text was cut at the editor's edge in a
 * 1280 × 800 window; and in that window GraphiQL's last tab (WatchTogether) sat under its "+" button
 * and logo, in a tab strip that scrolled without a scrollbar.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, ensureDashboardBuilt, launchChromium } from './chromium.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM) return;
  ensureDashboardBuilt();
  stack = await startStack({ http: true, gateway: { fallbackCredentials: DEMO } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** A page of its own context: `width` × `height` CSS pixels at `scale` device pixels each. */
async function open(path: string, width: number, height: number, scale = 1): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: scale });
  const page = await context.newPage();
  await page.goto(`${stack.server!.url}${path}`);
  return page;
}

const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

describe.skipIf(!CHROMIUM)(`the dashboard at 200 % zoom, and GraphiQL at 1280 px${SKIP_REASON}`, () => {
  it('keeps the header to a strip at 200 % zoom (640 × 400 CSS px), the list in the first screen', async () => {
    const page = await open('/dashboard/#/jobs', 640, 400, 2);
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    const header = await box(page, 'header.top');
    // A quarter of the screen at most (it took 136 of 400 px).
    expect(header.height).toBeLessThanOrEqual(100);
    // The page's own content starts in the first screen: its heading, filter and the list's status line.
    for (const selector of ['#jobs-title', 'select', '[role="status"]']) {
      const shown = await box(page, `main ${selector}`);
      expect(shown.y + shown.height).toBeLessThanOrEqual(400);
    }
    // Every link of the header and the provider switch in view, none cut at the side.
    for (const element of await page.locator('header.top a, header.top select').all()) {
      const shown = (await element.boundingBox())!;
      expect(shown.x + shown.width).toBeLessThanOrEqual(640);
    }
    // The provider switch's label shows in the header's colours (it was dark on dark).
    const label = page.locator('header.top label.provider-switch');
    expect(await label.evaluate((l) => getComputedStyle(l).color)).toBe('rgb(249, 250, 251)');
    expect(await label.evaluate((l) => getComputedStyle(l).flexDirection)).toBe('row');
    await page.close();
  });

  it('keeps the header to one line at 1280 px', async () => {
    const page = await open('/dashboard/#/jobs', 1280, 800);
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    expect((await box(page, 'header.top')).height).toBeLessThanOrEqual(60);
    await page.close();
  });

  it('shows GraphiQL’s welcome text whole in a 1280 × 800 window', async () => {
    const page = await open('/graphql', 1280, 800);
    await page.waitForFunction(() =>
      document.querySelector('.graphiql-query-editor .view-lines')?.textContent?.includes('Welcome'),
    );
    // Each comment line's text ends inside the editor's visible area (Monaco clips, and does not wrap).
    const lines = await page.evaluate(() => {
      const editor = document.querySelector('.graphiql-query-editor .monaco-editor .overflow-guard')!;
      const visibleRight = editor.getBoundingClientRect().right - 14; // its vertical scrollbar
      return [...editor.querySelectorAll('.view-line')]
        .map((line) => {
          const range = document.createRange();
          range.selectNodeContents(line);
          const rects = [...range.getClientRects()];
          return {
            text: line.textContent!.replace(/\u00a0/g, ' '),
            top: line.getBoundingClientRect().top,
            overflow: Math.max(...rects.map((r) => r.right)) - visibleRight,
          };
        })
        .filter((line) => line.text.startsWith('#'))
        .sort((a, b) => a.top - b.top);
    });
    expect(lines.map((line) => line.text).join(' ')).toMatch(
      /^# Welcome! .* To watch\s+# jobs train as loss curves: \/dashboard$/,
    );
    for (const line of lines) expect(line.overflow, line.text).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('shows every one of GraphiQL’s tabs whole, and under the pointer, in a 1280 × 800 window', async () => {
    const page = await open('/graphql', 1280, 800);
    await page
      .locator('.graphiql-tab-button')
      .nth(GRAPHIQL_TABS.length - 1)
      .waitFor();
    await page.evaluate(() => document.fonts.ready); // Roboto, GraphiQL's own (it swaps in once loaded)
    const strip = await page.locator('.graphiql-tabs').evaluate((list) => {
      const shown = list.getBoundingClientRect();
      return {
        scrolls: list.scrollWidth > list.clientWidth,
        tabs: [...list.querySelectorAll('.graphiql-tab-button')].map((button) => {
          const { left, right, top, bottom } = button.getBoundingClientRect();
          const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
          return {
            title: button.textContent,
            inStrip: left >= shown.left && right <= shown.right,
            // what a click at its middle lands on (it was the "+" button and the logo's title)
            underPointer: hit !== null && button.contains(hit),
            whole: button.scrollWidth <= button.clientWidth,
          };
        }),
      };
    });
    expect(strip.tabs.map((tab) => tab.title)).toHaveLength(GRAPHIQL_TABS.length);
    expect(strip.tabs.at(-1)!.title).toBe('WatchTogether');
    for (const tab of strip.tabs)
      expect(tab, tab.title!).toEqual({ ...tab, inStrip: true, underPointer: true, whole: true });
    expect(strip.scrolls).toBe(false);
    // The logo and its title (two short lines) still in the window, after the tabs and the "+" button.
    const logo = await box(page, '.graphiql-logo');
    const add = await box(page, '.graphiql-tab-add');
    expect(logo.x).toBeGreaterThanOrEqual(add.x + add.width);
    expect(logo.x + logo.width).toBeLessThanOrEqual(1280);
    await page.close();
  }, 60_000);
});
