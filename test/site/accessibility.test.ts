// The report site checked by axe-core and at phone width: every page type at 1280 and 390
// CSS pixels with no serious or critical axe violation; on a phone no page scrolls
// sideways, every box that scrolls can be reached by keyboard, the overview keeps "New" and
// "Trend" on screen, and a repository page gets to its fixes without a screen of metadata.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import { launchBrowser, main, openPage, type WatchedPage } from '../helpers/browser.ts';
import { SITE_FIXTURE as F, writeSiteFixtures, XSS_ADVISORY } from '../helpers/site-fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');
const SCREENSHOTS = resolve(import.meta.dirname, '../../test-artifacts/screenshots');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** One page of each type, and the 404 page (loaded by its status, not as a 200). */
const PAGES: Record<string, string> = {
  overview: '/',
  'repository-failing': `/repos/${F.failing}/`,
  'repository-history': `/repos/${F.history}/`,
  'repository-error': `/repos/${F.vanished}/`,
  'repository-empty': `/repos/${F.empty}/`,
  'repository-runbook': `/repos/${F.runbook}/`,
  'repository-manifests': `/repos/${F.manifestOnly}/`,
  advisories: '/advisories/',
  advisory: '/advisories/RUSTSEC-2099-0001/',
  'advisory-hostile': `/advisories/${XSS_ADVISORY}/`,
  crates: '/crates/',
  fixes: '/fixes/',
  'crates-letter': '/crates/letter/h/',
  crate: '/crates/hyper/',
  badges: '/badges/',
  'not-found': '/no-such-page/',
};

const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let dir: string;
let server: StaticSiteServer;
let browser: Browser;
const opened: WatchedPage[] = [];

async function load(path: string, options: Parameters<typeof openPage>[2]): Promise<Page> {
  const watched = await openPage(browser, server.url, options);
  opened.push(watched);
  const response = await watched.page.goto(new URL(path, server.url).href, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(path === PAGES['not-found'] ? 404 : 200);
  return watched.page;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page, as `rule: selector` lines. */
async function axeProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${v.help}`));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-a11y-'));
  const results = await writeSiteFixtures(join(dir, 'fixtures'));
  const out = join(dir, 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(results, out);
  server = await serveStaticSite(out, 0);
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  for (const watched of opened) await watched.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('axe-core', () => {
  for (const [width, options] of [['1280', DESKTOP], ['390', PHONE]] as const) {
    it(`finds no serious or critical violation on any page type at ${width} px, in light and dark`, async () => {
      const problems: string[] = [];
      for (const [name, path] of Object.entries(PAGES)) {
        for (const colorScheme of ['light', 'dark'] as const) {
          const page = await load(path, { ...options, colorScheme });
          problems.push(...(await axeProblems(page)).map((p) => `${name} (${colorScheme}): ${p}`));
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('at phone width (390 px)', () => {
  it('never scrolls a page sideways, and every box that scrolls is focusable and named', async () => {
    const problems: string[] = [];
    for (const [name, path] of Object.entries(PAGES)) {
      const page = await load(path, PHONE);
      // Closed <details> hide tables that would scroll once opened: open them all first.
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      const found = await page.evaluate(() => {
        const scroller = document.scrollingElement!;
        const boxes = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => {
          const overflow = getComputedStyle(el).overflowX;
          return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth;
        });
        return {
          pageWidth: scroller.scrollWidth,
          viewport: innerWidth,
          unreachable: boxes
            .filter((el) => el.tabIndex < 0 || !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
            .map((el) => `<${el.localName} class="${el.className}">`),
          scrolling: boxes.length,
        };
      });
      if (found.pageWidth > found.viewport) problems.push(`${name}: the page is ${found.pageWidth} px wide in a ${found.viewport} px window`);
      problems.push(...found.unreachable.map((el) => `${name}: ${el} scrolls but cannot be focused or has no name`));
    }
    expect(problems).toEqual([]);
  });

  it('keeps the overview’s New and Trend columns and the open findings on screen', async () => {
    const page = await load('/', PHONE);
    const table = main(page).getByRole('table', { name: 'Repositories, worst first' });
    // A sorted column's name ends in its arrow (CSS generated content): match the start.
    for (const name of ['Repository', 'Status', 'New', 'Trend', 'Open']) {
      const box = (await table.getByRole('columnheader', { name: new RegExp(`^${name}\\b`) }).boundingBox())!;
      expect(box, name).not.toBeNull();
      expect(box.x + box.width, `${name} column ends inside the window`).toBeLessThanOrEqual(390);
    }
    // The wide-screen columns are not in the phone's table (so not in what a screen reader reads either).
    expect(await table.getByRole('columnheader', { name: 'Duplicates' }).count()).toBe(0);
    const failing = table.getByRole('row').filter({ has: page.getByRole('link', { name: F.failing, exact: true }) });
    expect((await failing.getByRole('cell').last().textContent())!.replace(/\s+/g, ' ')).toBe('1 crit, 1 high, 1 med, 2 low, 3 unsc, 2 info');
  });

  it('shows a repository’s fixes in its first screen, the scan details folded away', async () => {
    const page = await load(`/repos/${F.failing}/`, PHONE);
    const details = main(page).locator('details.meta-box');
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await details.locator(':scope > summary').textContent()).toMatch(/Scanned 2099-06-03 06:00 UTC: 1 new finding, 0 resolved/);
    const fixes = (await main(page).getByRole('heading', { name: /^Fix first/, level: 2 }).boundingBox())!;
    expect(fixes.y).toBeLessThan(844);
  });

  it('says its severity in each finding, so a finding reached by its anchor tells it', async () => {
    const page = await load(`/repos/${F.failing}/`, PHONE);
    const pairs = await main(page).locator('section.severity-group').evaluateAll((sections) =>
      sections.flatMap((s) => {
        const group = s.querySelector('h3 span')!.textContent!.trim();
        return [...s.querySelectorAll('article')].map((a) => [group, a.querySelector('.finding-meta .sev')?.textContent?.trim() ?? null]);
      }),
    );
    expect(pairs.length).toBe(10);
    for (const [group, own] of pairs) expect(own).toBe(group);
  });

  it('saves a full-page screenshot of each page type at 390 and 1280 px', async () => {
    for (const [name, path] of Object.entries(PAGES)) {
      for (const [suffix, options] of [['', DESKTOP], ['-phone', PHONE]] as const) {
        const page = await load(path, options);
        await page.screenshot({ path: join(SCREENSHOTS, `${name}${suffix}.png`), fullPage: true });
      }
    }
  });
});
