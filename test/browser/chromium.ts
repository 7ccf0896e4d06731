/**
 * Debian's `chromium` driven by playwright-core, with every host but 127.0.0.1 unreachable (so a page
 * that reached for a CDN would fail), and the gateway stack it opens the dashboard on. Specs skip,
 * saying why, where chromium is not installed (CI installs it: see .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

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
