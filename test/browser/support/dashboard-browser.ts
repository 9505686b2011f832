import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { settled } from './page-figures.js';

/** What the dashboard's browser tests share: Debian's Chromium, the built page, signing in. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD_LOCK = fileURLToPath(new URL('../../../test-artifacts/.dashboard-build.lock', import.meta.url));

/** Whether a browser suite runs: Chromium is installed, or CI=true (where it runs and fails without it). */
export function browserSuiteRuns(name: string): boolean {
  const runs = existsSync(CHROMIUM) || process.env.CI === 'true';
  if (!runs) console.log(`${name} browser test skipped: ${CHROMIUM} is missing (apt-get install chromium); under CI=true it runs and fails instead`);
  return runs;
}

/**
 * The page is the built one: build it when web/ changed since the last build. Suites that run at
 * the same time take turns (a lock directory), so that one never serves what another is rewriting.
 */
export async function buildDashboardIfStale(): Promise<void> {
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than the deadline was left by a run that was killed: build anyway.
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'web/build.ts', '--if-stale'], { cwd: ROOT });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Chromium on the dashboard's sign-in form, in a desktop window and en-US figures. */
export async function openDashboard(baseUrl: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  await page.goto(`${baseUrl}/dashboard`);
  await page.waitForSelector('form.sign-in');
  return { browser, page };
}

/** Signs out if signed in, then in with this key, and waits until the page has loaded what it shows. */
export async function signIn(page: Page, kind: 'api_key' | 'admin', key: string): Promise<void> {
  if (await page.isVisible('text=Sign out')) await page.click('text=Sign out');
  await page.check(`#kind-${kind}`);
  await page.fill('#key', key);
  await page.click('button[type=submit]');
  await settled(page);
}
