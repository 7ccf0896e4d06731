/**
 * The sign-in form in each provider's words, on a gateway with no default credentials (Chromium): Nscale
 * asks for a service token and an organization id, Together for its API key alone (a dashboard trial
 * found Together's asked for a "Service token"); the key typed in signs the tab in.
 */
import { describe, expect, it } from 'vitest';
import { startStack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

const { blocked, open } = dashboardBrowser(() =>
  startStack({ http: true, gateway: { fallbackCredentials: null, togetherFallbackToken: null } }),
);

describe.skipIf(!CHROMIUM)(`the dashboard's sign-in on each provider in Chromium${SKIP_REASON}`, () => {
  it("asks each provider for its own credentials, and Together's key signs in", async () => {
    const page = await open('/dashboard/#/jobs');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Service token').count()).toBe(1);
    expect(await page.getByLabel('Organization id').count()).toBe(1);

    await page.getByLabel('Provider').selectOption('together');
    await page.getByLabel('Together API key').waitFor();
    expect(await page.getByLabel('Organization id').count()).toBe(0);
    expect(await page.getByLabel('Service token').count()).toBe(0);
    await page.getByLabel('Together API key').fill('demo-token');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(blocked).toEqual([]);
    await page.close();
  }, 60_000);
});
