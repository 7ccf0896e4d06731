/**
 * The dashboard's Webhooks page in real headless Chromium, on the real gateway (embedded simulator,
 * default credentials) with its store (PGlite in memory), the watcher and the sender running, and a
 * local receiver allowed through WEBHOOK_ALLOWED_HOSTS: register an endpoint from the nav, see the
 * signing secret once and copy it, see a job's events arrive at the receiver (verified with the
 * `standardwebhooks` package against the copied secret), see each delivery and its attempts (a 500,
 * then the 200 of the retry), redeliver one, switch the endpoint off and on, rotate its secret,
 * delete it; a refused URL's problem shows beside the URL field. No outside host is reached.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';
import { DEMO, eventually } from '../harness/stack.js';
import { nscaleJob } from '../webhooks/api-fixtures.js';
import { startWebhookStack, type WebhookStack } from '../webhooks/api-stack.js';
import { CHROMIUM, SKIP_REASON, ensureDashboardBuilt, launchChromium } from './chromium.js';

let stack: WebhookStack;
let receiver: WebhookReceiver;
let browser: Browser;
let context: BrowserContext;
const blocked: string[] = [];
/** The status the receiver answered each delivery, in order. */
const answered: number[] = [];
/** The deliveries' bodies, with their `webhook-id`. */
const events = () =>
  receiver.deliveries.map((d) => ({
    id: String(d.headers['webhook-id']),
    ...(JSON.parse(d.body) as { type: string }),
  }));

beforeAll(async () => {
  if (!CHROMIUM) return;
  ensureDashboardBuilt();
  // The first delivery is answered 500, every other 200: the retry (1 s later) is the second attempt.
  receiver = await startWebhookReceiver({
    respond: (res) => {
      res.statusCode = answered.push(answered.length === 0 ? 500 : 200) === 1 ? 500 : 200;
      res.end();
    },
  });
  stack = await startWebhookStack({
    http: true,
    env: {
      SIMULATOR_JOB_SECONDS: '4',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '1s',
      WEBHOOK_SCAN_MS: '100',
      WEBHOOK_ENDPOINT_RESCAN_MS: '200',
    },
    gateway: { fallbackCredentials: DEMO },
    webhookDelivery: true,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.server!.url });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await receiver?.close();
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('requestfailed', (request) => blocked.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') blocked.push(`console: ${message.text()} ${message.location().url}`);
  });
  await page.goto(`${stack.server!.url}${path}`);
  return page;
}

const deliveryRows = (page: Page) => page.getByTestId('delivery');

describe.skipIf(!CHROMIUM)(`the Webhooks page in Chromium${SKIP_REASON}`, () => {
  it('registers an endpoint, shows its secret once, and shows deliveries, attempts and a redelivery', async () => {
    const page = await open('/dashboard/');
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();

    // A refused URL: the problem beside the field, nothing registered.
    await page.getByLabel('Endpoint URL').fill('https://10.0.0.5/hooks');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    const urlProblem = page.locator('#problem-url');
    await urlProblem.waitFor();
    expect(await urlProblem.textContent()).toMatch(/^url: .*10\.0\.0\.5 is .*private/);
    expect(await page.getByTestId('endpoint').count()).toBe(0);

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel(/^Job created/).check();
    await page.getByLabel(/^Job failed/).uncheck();
    await page.getByLabel('Description').fill('CI pipeline');
    await page.getByRole('button', { name: 'Register endpoint' }).click();

    // The secret, once, with a copy button that puts exactly it on the clipboard.
    const secretText = page.getByTestId('signing-secret');
    await secretText.waitFor();
    const secret = (await secretText.textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.getByRole('button', { name: 'Done' }).click();
    await secretText.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);

    const card = page.getByTestId('endpoint');
    expect(await card.getByRole('heading').textContent()).toBe(receiver.url);
    expect(await card.getByTestId('endpoint-state').textContent()).toBe('ACTIVE');
    expect(await card.getByTestId('endpoint-events').textContent()).toBe('Job created, Job completed');

    // A job runs to completion: its JOB_CREATED (answered 500, then 200) and JOB_COMPLETED arrive signed.
    const jobId = await nscaleJob(stack, 'webhook-page');
    const arrived = await eventually(
      () => {
        const delivered = answered.filter((status) => status === 200).length;
        return events().some((e) => e.type === 'JOB_COMPLETED') && delivered >= 2 ? events() : undefined;
      },
      30_000,
      'JOB_CREATED and JOB_COMPLETED at the receiver',
    );
    const verifier = new Webhook(secret);
    for (const received of receiver.deliveries) {
      expect(verifier.verify(received.body, received.headers as Record<string, string>)).toMatchObject({
        data: { job: { id: jobId } },
      });
      expect(JSON.stringify(received.headers)).not.toContain('demo-token');
    }
    expect(arrived.map((e) => e.type)).toEqual(['JOB_CREATED', 'JOB_CREATED', 'JOB_COMPLETED']);
    const createdId = arrived[0]!.id;
    expect(arrived[1]!.id).toBe(createdId);

    // The deliveries on the page: newest first, each with its attempts.
    await card.getByRole('button', { name: 'Deliveries' }).click();
    await deliveryRows(page).first().waitFor();
    expect(await deliveryRows(page).count()).toBe(2);
    const created = page.locator(`[data-delivery-id="${createdId}"]`);
    expect(await created.getByTestId('delivery-state').textContent()).toBe('SUCCEEDED');
    await created.getByText('2 attempts').click();
    const attempts = await created.getByTestId('attempt').allTextContents();
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toContain('HTTP 500');
    expect(attempts[1]).toContain('HTTP 200');

    // Redeliver: the same webhook-id again at the receiver, and a third attempt on the page.
    const before = receiver.deliveries.length;
    await created.getByRole('button', { name: `Redeliver ${createdId}` }).click();
    await eventually(() => (receiver.deliveries.length > before ? true : undefined), 15_000, 'the redelivery');
    expect(receiver.deliveries.at(-1)!.headers['webhook-id']).toBe(createdId);
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        const text = await created.getByTestId('delivery-state').textContent();
        return text === 'SUCCEEDED' && (await created.getByText('3 attempts').count()) === 1 ? true : undefined;
      },
      15_000,
      'the redelivery on the page',
    );
    expect(blocked).toEqual([]);
  });

  it('switches the endpoint off and on, rotates its secret and deletes it', async () => {
    const page = await open('/dashboard/#/webhooks');
    const card = page.getByTestId('endpoint');
    await card.waitFor();

    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByRole('button', { name: 'Enable' }).waitFor();
    await card.getByText('switched off').waitFor();
    expect((await stack.store.listEndpoints({ provider: 'nscale', ownerKey: 'demo-org' }))[0]?.enabled).toBe(false);
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByRole('button', { name: 'Disable' }).waitFor();

    await card.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
    const rotated = (await page.getByTestId('signing-secret').textContent())!;
    expect(rotated).toMatch(/^whsec_/);
    const [endpoint] = await stack.store.listEndpoints({ provider: 'nscale', ownerKey: 'demo-org' });
    expect((await stack.store.signingSecrets(endpoint!.id, new Date()))?.[0]).toBe(rotated);
    await card.getByText('Previous secret signs until').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();

    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('No endpoints yet.').waitFor();
    expect(await stack.store.listEndpoints({ provider: 'nscale', ownerKey: 'demo-org' })).toEqual([]);
    // Reloaded, the page holds no secret.
    await page.reload();
    await page.getByText('No endpoints yet.').waitFor();
    expect(await page.content()).not.toMatch(/whsec_/);
    expect(blocked).toEqual([]);
  });
});
