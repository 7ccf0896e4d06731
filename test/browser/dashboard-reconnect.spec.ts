/**
 * The dashboard through a gateway restart that outlasts the first reconnection attempts: while the
 * gateway is down the pages say "Reconnecting…" (never "live"), a refused connection (which Chromium
 * reports as a plain `Event`, no close code) does not end the retries, and once a gateway answers on
 * the same port again the pages are live and show its state: the list drops the jobs the restarted
 * gateway's embedded simulator no longer has, and a job page follows the job again, its stale
 * "cannot be reached" error gone. The job page's Cancel asks twice.
 */
import type { Browser, Page, WebSocket as PageSocket } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, eventually, startStack, type Stack, type StackOptions } from '../harness/stack.js';
import { CHROMIUM, SKIP_REASON, ensureDashboardBuilt, launchChromium } from './chromium.js';

/** Jobs queued for minutes: nothing changes by itself while a test runs. */
const JOB_SECONDS = 3_600;

let browser: Browser;
const stacks: Stack[] = [];
let simulator: Simulator | null = null;

beforeAll(async () => {
  if (!CHROMIUM) return;
  ensureDashboardBuilt();
  browser = await launchChromium();
});
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
  await simulator?.close();
  simulator = null;
});
afterAll(async () => {
  await browser?.close();
});

/** A gateway with the embedded simulator's demo tenant as default credentials, on `port` (0: any free one). */
async function gateway(port: number, options: StackOptions = {}): Promise<Stack> {
  const stack = await startStack({
    http: true,
    env: { PORT: String(port) },
    gateway: { fallbackCredentials: DEMO },
    ...(options.sharedSimulator
      ? { sharedSimulator: options.sharedSimulator }
      : { simulator: { jobSeconds: JOB_SECONDS } }),
  });
  stacks.push(stack);
  return stack;
}

const portOf = (stack: Stack) => Number(new URL(stack.server!.url).port);

async function createJob(stack: Stack, name: string) {
  const { datasetId } = await seedDataset(stack, DEMO, `data for ${name}`);
  return stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });
}

/** The page's WebSockets, in the order it opened them. */
function sockets(page: Page): PageSocket[] {
  const opened: PageSocket[] = [];
  page.on('websocket', (socket) => opened.push(socket));
  return opened;
}

/**
 * Stops `stack` (its WebSockets closed with 1001 "Going away", its port refusing) and waits until the
 * page has tried to connect again and been refused: the moment graphql-ws's default policy gave up.
 */
async function stopAndWaitForRefusal(stack: Stack, opened: PageSocket[]): Promise<void> {
  const before = opened.length;
  await stack.close();
  stacks.splice(stacks.indexOf(stack), 1);
  await eventually(
    () => (opened.slice(before).some((socket) => socket.isClosed()) ? true : undefined),
    30_000,
    'a refused reconnection',
  );
}

describe.skipIf(!CHROMIUM)(`dashboard across a gateway restart${SKIP_REASON}`, () => {
  it('says Reconnecting… while the gateway is down, then shows the restarted gateway’s jobs only', async () => {
    const first = await gateway(0);
    const port = portOf(first);
    await createJob(first, 'before the restart 1');
    await createJob(first, 'before the restart 2');

    const page = await browser.newPage();
    const opened = sockets(page);
    await page.goto(`${first.server!.url}/dashboard/#/jobs`);
    const status = page.getByRole('status');
    await status.filter({ hasText: '2 jobs · live' }).waitFor();

    await stopAndWaitForRefusal(first, opened);
    await status.filter({ hasText: 'Reconnecting…' }).waitFor();
    expect(await status.textContent()).not.toContain('live');
    // The jobs as last seen stay on the page meanwhile.
    expect(await page.getByRole('link', { name: 'before the restart 1', exact: true }).count()).toBe(1);

    // The gateway back on its port, with a fresh embedded simulator: the old jobs are gone.
    const second = await gateway(port);
    await createJob(second, 'after the restart');
    await status.filter({ hasText: '1 job · live' }).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'after the restart', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: /before the restart/ }).count()).toBe(0);
    await page.close();
  }, 120_000);

  it('keeps a job page following its job through a restart, and asks before cancelling it', async () => {
    simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS });
    const first = await gateway(0, { sharedSimulator: simulator });
    const port = portOf(first);
    const job = await createJob(first, 'watched job');

    const page = await browser.newPage();
    const opened = sockets(page);
    await page.goto(`${first.server!.url}/dashboard/#/jobs/${encodeURIComponent(job.id)}`);
    const live = page.getByTestId('job-live');
    await live.filter({ hasText: 'Live: updates as the job changes.' }).waitFor();
    expect(await page.getByTestId('job-status').textContent()).toBe('Queued');

    // Cancel asks first: the first click cancels nothing, and "Keep the job" (a queued one runs not yet) backs out.
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Keep the job' }).click();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Cancel the job for good' }).waitFor();
    expect((await first.client.getJob(DEMO, job.id)).status).toBe('queued');

    await stopAndWaitForRefusal(first, opened);
    await live.filter({ hasText: 'Reconnecting…' }).waitFor();
    // Cancelling while the gateway is down fails, saying why.
    await page.getByRole('button', { name: 'Cancel the job for good' }).click();
    const unreachable = page.getByRole('alert').filter({ hasText: 'The gateway cannot be reached.' });
    await unreachable.waitFor();

    // The gateway restarts on the same upstream: the page is live again, the stale error gone.
    const second = await gateway(port, { sharedSimulator: simulator });
    await live.filter({ hasText: 'Live: updates as the job changes.' }).waitFor({ timeout: 60_000 });
    await unreachable.waitFor({ state: 'detached' });

    // And it follows the job: cancelled now, shown as such, with no "yet" about a step that will never come.
    await page.getByRole('button', { name: 'Cancel the job for good' }).click();
    await page.getByTestId('job-status').filter({ hasText: 'Cancelled' }).waitFor();
    expect((await second.client.getJob(DEMO, job.id)).status).toBe('cancelled');
    await live.filter({ hasText: 'Final state.' }).waitFor();
    expect(await page.locator('#loss-summary').textContent()).toBe('No training step was recorded.');
    await page.close();
  }, 120_000);
});
