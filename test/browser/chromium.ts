/**
 * Debian's `chromium` driven by playwright-core, with every host but 127.0.0.1 unreachable (so a page
 * that reached for a CDN would fail), and the gateway stack it opens the dashboard on. Specs skip,
 * saying why, where chromium is not installed (CI installs it: see .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

function findChromium(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export const CHROMIUM = findChromium();
export const SKIP_REASON = CHROMIUM ? '' : ' (SKIPPED: chromium is not installed; `apt-get install -y chromium`)';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** Builds the dashboard when no build is there (`npm test` builds it before the specs run). */
export function ensureDashboardBuilt(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (!existsSync(`${root}dist/dashboard/index.html`))
    execFileSync(process.execPath, ['dashboard/build.mjs'], { cwd: root, stdio: 'inherit' });
}

/** What a spec's pages are opened on: a gateway with its HTTP server (a harness stack). */
interface Served {
  server: { url: string } | null;
  close(): Promise<void>;
}

export interface DashboardBrowser {
  /** Every failed request and console error of the pages opened: a page that reached outside, or broke. */
  blocked: string[];
  /** A new page (1280 × 900) of the browser, listening for the above, at `path` of the gateway. */
  open(path: string): Promise<Page>;
  /** A new page that has gone nowhere yet (to route its requests first), listening for the above. */
  newPage(): Promise<Page>;
}

/**
 * The setup of a spec file that drives the dashboard: before its specs (when chromium is installed),
 * the dashboard built if it is not, the gateway `start` makes, and the browser; after them, both
 * closed. `start` keeps the stack where the spec reads it.
 */
export function dashboardBrowser(start: () => Promise<Served>): DashboardBrowser {
  let served: Served | undefined;
  let browser: Browser | undefined;
  const blocked: string[] = [];
  beforeAll(async () => {
    if (!CHROMIUM) return;
    ensureDashboardBuilt();
    served = await start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });
  const newPage = async (): Promise<Page> => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('requestfailed', (request) => blocked.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') blocked.push(`console: ${message.text()} ${message.location().url}`);
    });
    return page;
  };
  return {
    blocked,
    newPage,
    async open(path) {
      const page = await newPage();
      await page.goto(`${served!.server!.url}${path}`);
      return page;
    },
  };
}
