/**
 * The dashboard's pages and links against the provider picked, in real headless Chromium on the
 * embedded simulators, as a trial found them: the Datasets page rendered on Together (no datasets)
 * when the provider was switched on it, or when it was opened there, with Nscale's wording, the API's
 * refusal and a "Loading…" that never ended; and a job link of the other provider, opened in a fresh
 * tab, showed the gateway's advice to developers ("send it with X-Provider: together (over WebSocket,
 * connectionParams.provider)"). Now a page the provider has not is never shown, a job link whose id
 * names its provider (`together:ft-…`) picks that provider, and no page says X-Provider or
 * connectionParams to its user.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob, TOGETHER_HEADERS } from '../harness/together-job.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open, newPage } = dashboardBrowser(
  async () =>
    (stack = await startStack({
      http: true,
      // Jobs queued for an hour: none changes while the specs run.
      env: { SIMULATOR_JOB_SECONDS: '3600' },
      gateway: { fallbackCredentials: DEMO },
    })),
);

const DEVELOPER_WORDS = /X-Provider|connectionParams/;

/** The name of the operation in a GraphQL document (`query Datasets {…}` → "Datasets"). */
const operationName = (query: unknown) =>
  typeof query === 'string' ? /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] : undefined;

/** The GraphQL operations the page sends from now on, by name: over HTTP, and over its WebSockets (graphql-ws). */
function operationsSent(page: Page): string[] {
  const sent: string[] = [];
  const note = (text: string) => {
    const body = text.startsWith('{') ? (JSON.parse(text) as { query?: unknown; payload?: { query?: unknown } }) : {};
    const name = operationName(body.query ?? body.payload?.query);
    if (name) sent.push(name);
  };
  page.on('request', (request) => note(request.postData() ?? ''));
  page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => note(String(payload))));
  return sent;
}

/** The subscriptions the page sends over graphql-ws, each with the provider its socket's `connection_init` named. */
function subscriptionsSent(page: Page): Array<{ operation: string; provider: unknown }> {
  const sent: Array<{ operation: string; provider: unknown }> = [];
  page.on('websocket', (socket) => {
    let provider: unknown;
    socket.on('framesent', ({ payload }) => {
      const frame = JSON.parse(String(payload)) as { type: string; payload?: { provider?: unknown; query?: unknown } };
      if (frame.type === 'connection_init') provider = frame.payload?.provider;
      const operation = operationName(frame.payload?.query);
      if (frame.type === 'subscribe' && operation) sent.push({ operation, provider });
    });
  });
  return sent;
}

const pickedProvider = (page: Page) => page.getByLabel('Provider').inputValue();
const shownText = (page: Page) => page.locator('main').innerText();

async function nscaleJob(name: string): Promise<string> {
  const { datasetId } = await seedDataset(stack, DEMO, name);
  const job = await stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });
  return job.id;
}

describe.skipIf(!CHROMIUM)(`the dashboard's pages and links by provider in Chromium${SKIP_REASON}`, () => {
  it('goes to the jobs list when the provider is switched to Together on the Datasets page', async () => {
    await seedDataset(stack, DEMO, 'kept on nscale');
    const page = await open('/dashboard/#/datasets');
    await page.getByTestId('dataset-row').first().waitFor();
    const sent = operationsSent(page);

    await page.getByLabel('Provider').selectOption('together');
    await page.waitForURL(/#\/jobs$/);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    expect(await pickedProvider(page)).toBe('together');
    expect(await page.locator('[role="alert"], .error').allTextContents()).toEqual([]);
    expect(await shownText(page)).not.toMatch(/Deleting a dataset|Loading…|X-Provider/);
    expect(sent).not.toContain('Datasets'); // never asked of Together
    await page.close();
  });

  it('says plainly that Together has no datasets at a Datasets link, with the way to the jobs list', async () => {
    const page = await open('/dashboard/#/jobs');
    await page.getByLabel('Provider').selectOption('together');
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();
    const sent = operationsSent(page);

    // Followed in the tab, then opened afresh (a reload: the provider picked is the tab's).
    for (const follow of [() => page.evaluate(() => (location.hash = '#/datasets')), () => page.reload()]) {
      await follow();
      const notice = page.getByTestId('no-datasets');
      await notice.waitFor();
      expect(await notice.innerText()).toMatch(/^Together AI has no datasets: /);
      expect(await pickedProvider(page)).toBe('together');
      expect(await page.locator('[role="alert"], .error').count()).toBe(0);
      expect(await shownText(page)).not.toMatch(/Deleting a dataset|Loading…|X-Provider/);
      expect(await page.getByRole('link', { name: 'Datasets' }).count()).toBe(0);
    }
    expect(sent).not.toContain('Datasets');
    await page.getByRole('link', { name: '← Jobs' }).click();
    await page.waitForURL(/#\/jobs$/);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await page.close();
  });

  it('opens a Together job link in a fresh tab (which starts on Nscale) on Together, and shows the job', async () => {
    const job = await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'sharedlink');
    const page = await newPage();
    const subscriptions = subscriptionsSent(page);
    await page.goto(`${stack.server!.url}/dashboard/#/jobs/${encodeURIComponent(job.id)}`);
    await page.getByRole('heading', { name: /sharedlink/ }).waitFor();
    await page.getByTestId('job-status').waitFor();
    expect(await pickedProvider(page)).toBe('together');
    // Together picked before the job was asked for: never asked of Nscale.
    expect(subscriptions).toEqual([{ operation: 'JobDetail', provider: 'together' }]);
    expect(await page.evaluate(() => sessionStorage.getItem('fine-tuning-dashboard.provider'))).toBe('together');
    expect(await page.locator('[role="alert"], .error').allTextContents()).toEqual([]);

    // The tab stays on Together: its jobs list is Together's, with the job.
    await page.getByRole('link', { name: '← Jobs' }).click();
    await page.getByRole('link', { name: /sharedlink/ }).waitFor();
    await page.close();
  });

  it('picks Together for a Together job link followed in a tab on Nscale, and Nscale stays for its own', async () => {
    const together = await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'followed');
    const nscale = await nscaleJob('nscale own');
    const page = await open(`/dashboard/#/jobs/${encodeURIComponent(nscale)}`);
    await page.getByRole('heading', { name: 'nscale own' }).waitFor();
    expect(await pickedProvider(page)).toBe('nscale');

    await page.evaluate((hash) => (location.hash = hash), `#/jobs/${encodeURIComponent(together.id)}`);
    await page.getByRole('heading', { name: /followed/ }).waitFor();
    expect(await pickedProvider(page)).toBe('together');
    expect(await page.locator('[role="alert"], .error').allTextContents()).toEqual([]);
    await page.close();
  });

  it('says a Together job link is on a provider that a gateway serving Nscale alone does not serve', async () => {
    const job = await createTogetherJob(stack.gateway, TOGETHER_HEADERS, 'elsewhere');
    // NSCALE_API_URL set (this stack's simulator), TOGETHER_API_URL not: this gateway serves nscale alone.
    const nscaleOnly = await startStack({
      http: true,
      sharedSimulator: stack.simulator,
      gateway: { fallbackCredentials: DEMO },
    });
    try {
      const page = await newPage();
      const sent = operationsSent(page);
      await page.goto(`${nscaleOnly.server!.url}/dashboard/#/jobs/${encodeURIComponent(job.id)}`);
      const notice = page.getByTestId('job-provider-unserved');
      await notice.waitFor();
      expect(await notice.innerText()).toBe('This job is on Together AI, which this gateway does not serve.');
      expect(await page.locator('[role="alert"], .error').count()).toBe(0);
      expect(sent).not.toContain('JobDetail'); // never asked of Nscale
      await page.close();
    } finally {
      await nscaleOnly.close();
    }
  });

  it('says in the page’s words which provider to pick for an Nscale job link opened on Together', async () => {
    const nscale = await nscaleJob('nscale link');
    const page = await open('/dashboard/#/jobs');
    await page.getByLabel('Provider').selectOption('together');
    await page.getByRole('status').filter({ hasText: /live/ }).waitFor();

    // An id without a provider's prefix names none: it is asked of the provider picked, as before.
    await page.evaluate((hash) => (location.hash = hash), `#/jobs/${encodeURIComponent(nscale)}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe(
      `"${nscale}" is not an id of Together AI (theirs start with "together:"): if it is one of Nscale's, ` +
        'choose Nscale in the Provider switch at the top of the page.',
    );
    expect(await shownText(page)).not.toMatch(DEVELOPER_WORDS);
    expect(await pickedProvider(page)).toBe('together');
    await page.close();
    // Nothing reached outside, and no page broke. (A provider switch while the page's WebSocket is
    // still connecting drops it before graphql-ws sends the subscription on it: Chromium logs that
    // send. The dashboard did so before these changes too; the new socket carries the subscription.)
    expect(blocked.filter((entry) => !/^console: WebSocket is already in CLOSING or CLOSED state/.test(entry))).toEqual(
      [],
    );
  });
});
