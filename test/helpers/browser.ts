// Debian's Chromium driven by playwright-core, for the report-site tests: launch and close,
// pages that record their console errors and uncaught exceptions, and role lookups in the
// style of Starlight's e2e test-utils (find what a person or a screen reader would find).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or the browser CHROMIUM_PATH names (a Chrome or Chromium binary). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags for a root user in a container with no network: no sandbox, no GPU, nothing phoning home. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * How long Playwright waits for a page to load or an element to be ready: twice its default,
 * for a busy 2-core machine. Below the site suite's test timeout (vitest.config.ts), so a page
 * that never loads fails with Playwright's message rather than the runner's.
 */
export const PAGE_TIMEOUT_MS = 60_000;

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the site tests need Chromium, and there is none at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chrome or Chromium binary`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** What went wrong on one page: console.error messages, uncaught exceptions, failed requests. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
}

export interface WatchedPage {
  page: Page;
  problems: PageProblems;
  close(): Promise<void>;
}

/**
 * A page in a fresh context whose problems are recorded from the start. Requests that leave
 * `allowOrigin` are aborted (the network is closed anyway; this keeps a stray one from hanging).
 */
export async function openPage(browser: Browser, allowOrigin: string, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context: BrowserContext = await browser.newContext(options);
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  const origin = new URL(allowOrigin).origin;
  await context.route('**/*', (route) => (new URL(route.request().url()).origin === origin ? route.continue() : route.abort()));
  const page = await context.newPage();
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The browser asks for the icon on its own after the load; going to the next page cancels it. A 404 still counts.
    if (request.failure()?.errorText === 'net::ERR_ABORTED' && /\/favicon\.(ico|svg)$/.test(request.url())) return;
    problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.failedRequests.push(`${response.url()}: HTTP ${response.status()}`);
  });
  return { page, problems, close: () => context.close() };
}

/** Loads `url` and fails on anything but a 200. */
export async function visit(page: Page, url: string): Promise<void> {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response || response.status() !== 200) throw new Error(`${url}: HTTP ${response?.status() ?? 'no response'}`);
}

/** The main landmark: every page's own content, without the frame's navigation and footer. */
export function main(page: Page): Locator {
  return page.getByRole('main');
}

/** A heading by its accessible name (exact unless a RegExp), optionally of one level. */
export function heading(scope: Page | Locator, name: string | RegExp, level?: number): Locator {
  return scope.getByRole('heading', { name, ...(typeof name === 'string' ? { exact: true } : {}), ...(level ? { level } : {}) });
}

/**
 * The body rows of the table with this accessible name (its caption), header rows excluded;
 * rows inside a closed <details> count too.
 */
export function tableRows(scope: Page | Locator, tableName: string | RegExp): Locator {
  return scope.getByRole('table', { name: tableName }).locator(':scope > tbody > tr');
}

/**
 * The section (or region) a heading opens: the nearest `section`, `article` or landmark that
 * contains the heading. Pages mark up their parts differently; this finds the part by what it says.
 */
export function sectionOf(scope: Page | Locator, name: string | RegExp): Locator {
  return scope.locator('section, article, [role="region"], aside').filter({ has: heading(scope, name) }).last();
}

/** The text of every row's cells, trimmed and with runs of whitespace made one space. */
export async function rowTexts(rows: Locator): Promise<string[][]> {
  return rows.evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())),
  );
}
