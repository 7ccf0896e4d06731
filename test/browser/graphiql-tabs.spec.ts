/**
 * GraphiQL at /graphql in real headless Chromium (every outside host unreachable), on the embedded
 * simulators: the WatchTogether tab runs as written. Its subscription goes out with the tab's Headers
 * panel (`X-Provider: together`): GraphiQL sends subscriptions over SSE, one HTTP request each with
 * the panel's headers (over graphql-ws its `connection_init` carried none, so the subscription ran on
 * the default provider, Nscale, and GraphiQL showed BAD_USER_INPUT). The result pane shows the
 * Together job to COMPLETED with its events, the ones Together keeps for it.
 *
 * The tab is picked from the keyboard (focus, Enter): in this Chromium, GraphiQL's draggable tab jumps
 * on pointerdown by a drag offset its first layout left behind, so a mouse click ends on the tab list,
 * not the tab, and changes nothing (GraphiQL's own matter, not the gateway's).
 */
import type { Locator, Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seedDataset } from '../harness/fixtures.js';
import { createJobFromTogetherTabs, headersOf, postAs, runTab } from '../harness/graphiql-tabs.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, dashboardBrowser } from './chromium.js';

let stack: Stack;
const { blocked, open } = dashboardBrowser(
  async () =>
    (stack = await startStack({
      http: true,
      env: { SIMULATOR_JOB_SECONDS: '4' },
      // As `npm start`: a request without credentials acts as the demo tenant (GraphiQL sends none).
      gateway: { fallbackCredentials: DEMO },
    })),
);

/** The text of one of GraphiQL's Monaco editors, as shown (Monaco draws spaces as U+00A0). */
const shown = (editor: Locator) =>
  editor.locator('.view-lines').evaluate((lines) => lines.textContent!.replace(/\u00a0/g, ' '));
/** The editor of the Variables or Headers panel, whichever is open. */
const toolEditor = (page: Page) => page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)');

/** Makes the tab with `title` GraphiQL's active tab, as a keyboard user does, and waits for its document. */
async function selectTab(page: Page, title: string, operation: string): Promise<void> {
  await page.locator('.graphiql-tab-button', { hasText: new RegExp(`^${title}$`) }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (op) =>
      document
        .querySelector('.graphiql-query-editor .view-lines')
        ?.textContent?.replace(/\u00a0/g, ' ')
        .includes(op),
    operation,
  );
}

/** Replaces the Variables panel's text with `text`, typed (Monaco closes brackets and quotes as one types). */
async function typeVariables(page: Page, text: string): Promise<void> {
  await page.locator('.graphiql-editor-tools button', { hasText: /^Variables$/ }).click();
  await toolEditor(page).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Shift+ControlOrMeta+End'); // what the editor closed by itself
  await page.keyboard.press('Delete');
  expect(await shown(toolEditor(page))).toBe(text);
}

/**
 * Waits for the run to end: a result shown, and the button back to "Execute" (a subscription runs,
 * the button offering to stop it, until the server completes it after the job's final status).
 */
const ended = (page: Page) =>
  page.waitForFunction(
    () =>
      document.querySelector('.graphiql-execute-button')?.getAttribute('aria-label')?.startsWith('Execute') &&
      !!document.querySelector('.graphiql-response .view-lines')?.textContent?.trim(),
    null,
    { timeout: 30_000 },
  );

/** The whole result pane, as a user copies it (select all, copy): Monaco draws only the lines in view. */
async function copyResult(page: Page): Promise<string> {
  await page.evaluate(() =>
    document.addEventListener('copy', (event) => {
      (window as unknown as { copied: string }).copied = event.clipboardData!.getData('text/plain');
    }),
  );
  await page.locator('.graphiql-response .monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+C');
  return page.evaluate(() => (window as unknown as { copied: string }).copied);
}

/**
 * What the pages reached for outside, or the console errors they logged: `blocked` but for the
 * subscriptions, which GraphiQL aborts itself once it reads the stream's `complete` (Chromium may
 * report that as a failed request, when it comes before the end of the response).
 */
const unexpected = () => blocked.filter((entry) => !/\/graphql\?query=subscription\b/.test(entry));

interface Run {
  /** The result pane's JSON, copied whole. */
  result: { data?: any; errors?: unknown[] };
  /** What the page sent as subscriptions (`Accept: text/event-stream`). */
  sent: Request[];
  page: Page;
}

/**
 * Opens GraphiQL, picks the tab `title` (whose document has `operation`), types `variables` into its
 * Variables panel, runs it and waits for the end of its run: the result pane, and the requests sent.
 */
async function runTabInGraphiQL(title: string, operation: string, variables: object): Promise<Run> {
  const page = await open('/graphql');
  const sent: Request[] = [];
  page.on('request', (request) => {
    if (/text\/event-stream/.test(request.headers()['accept'] ?? '')) sent.push(request);
  });
  await selectTab(page, title, operation);
  await typeVariables(page, JSON.stringify(variables));
  await page.locator('.graphiql-execute-button').click();
  await ended(page);
  const result = JSON.parse(await copyResult(page)) as Run['result'];
  return { result, sent, page };
}

describe.skipIf(!CHROMIUM)(`GraphiQL in Chromium${SKIP_REASON}`, () => {
  it('runs the WatchTogether tab as written: its subscription goes with x-provider: together and shows the job to COMPLETED', async () => {
    // A real Together job, created through the gateway by the Together tabs' own documents.
    const jobId = await createJobFromTogetherTabs(stack.gateway);
    const { result, sent, page } = await runTabInGraphiQL('WatchTogether', 'subscription WatchTogether', { jobId });

    expect(result.errors).toBeUndefined();
    expect(await shown(page.locator('.graphiql-response'))).toMatch(/"status": "COMPLETED"/);
    const job = result.data.jobUpdated;
    expect(job).toMatchObject({ id: jobId, status: 'COMPLETED', error: null });
    expect(job.downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/downloads\//);
    // The events are Together's for this job: the same as the job's own, asked for over HTTP.
    const kept = await postAs(stack.gateway, headersOf('WatchTogether'), {
      query: 'query($id: ID!) { job(id: $id) { events { createdAt type message } } }',
      variables: { id: jobId },
    });
    expect(job.events.map((e: { type: string }) => e.type)).toContain('job_start');
    expect(job.events).toEqual(kept.data?.job.events);

    // One request, the tab's subscription, with what its Headers panel shows.
    await page.locator('.graphiql-editor-tools button', { hasText: /^Headers$/ }).click();
    expect(JSON.parse(await shown(toolEditor(page)))).toEqual({ 'X-Provider': 'together' });
    expect(sent).toHaveLength(1);
    expect((await sent[0]!.allHeaders())['x-provider']).toBe('together');
    const params = new URL(sent[0]!.url()).searchParams;
    expect(params.get('operationName')).toBe('WatchTogether');
    expect(JSON.parse(params.get('variables')!)).toEqual({ jobId });
    expect(unexpected()).toEqual([]);
  }, 90_000);

  it('runs the Watch tab as written on the default provider, which its request does not name', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const jobId = (await runTab(stack.gateway, 'CreateJob', { datasetId })).data?.createJob.id as string;
    const { result, sent } = await runTabInGraphiQL('Watch', 'subscription Watch(', { jobId });

    expect(result.errors).toBeUndefined();
    expect(result.data.jobUpdated).toMatchObject({ id: jobId, status: 'COMPLETED', error: null });
    expect(result.data.jobUpdated.metrics.latest.step).toBeGreaterThan(0);
    expect(sent).toHaveLength(1);
    expect(await sent[0]!.allHeaders()).not.toHaveProperty('x-provider');
    expect(unexpected()).toEqual([]);
  }, 90_000);
});
