// Links that never break when a user succeeds: a second scan removes the last use of a crate
// and of its advisory, and the site still has a page for each (marked as no longer in any
// repository), so the "resolved" list, the feed and every other link land on a page.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import { launchBrowser, main, openPage, rowTexts, tableRows, visit, type WatchedPage } from '../helpers/browser.ts';
import { crawlSite } from '../helpers/site-crawl.ts';
import { RESOLVED_FIXTURE as R, writeResolvedFixtures } from '../helpers/site-fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');

let dir: string;
let out: string;
let server: StaticSiteServer;
let browser: Browser;
const opened: WatchedPage[] = [];

async function load(path: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  opened.push(watched);
  await visit(watched.page, new URL(path, server.url).href);
  return watched;
}

const text = async (watched: WatchedPage) => (await main(watched.page).textContent())!.replace(/\s+/g, ' ');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-resolved-'));
  const results = await writeResolvedFixtures(join(dir, 'fixtures'));
  out = join(dir, 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(results, out);
  server = await serveStaticSite(out, 0);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const watched of opened) await watched.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a finding resolved by dropping the last use of its crate', () => {
  it('is listed as resolved, linked to the advisory and crate pages, which still exist', async () => {
    const watched = await load(`/repos/${R.fixed}/`);
    const resolved = main(watched.page).getByRole('region', { name: 'Resolved since the previous scan (1)' });
    expect((await resolved.getByRole('listitem').textContent())!.replace(/\s+/g, ' ')).toContain(`${R.goneAdvisory} in time 0.1.45`);
    const hrefs = await resolved.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual([`/advisories/${R.goneAdvisory}/`, '/crates/time/']);
    for (const href of hrefs) expect((await fetch(new URL(href!, server.url))).status, href!).toBe(200);
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('keeps the advisory’s page, saying it is in no repository now and when and where it was last seen', async () => {
    const watched = await load(`/advisories/${R.goneAdvisory}/`);
    expect(await text(watched)).toContain('no longer in any repository. Last seen in the scan of 2099-06-01 06:00 UTC, in billing (time 0.1.45).');
    expect(await main(watched.page).getByRole('link', { name: R.fixed, exact: true }).first().getAttribute('href')).toBe(`/repos/${R.fixed}/`);
    expect(await main(watched.page).getByRole('table').count()).toBe(0);
  });

  it('keeps the crates’ pages, saying they are no longer locked anywhere', async () => {
    for (const name of R.goneCrates) {
      const watched = await load(`/crates/${name}/`);
      expect(await text(watched), name).toContain('No longer locked in any repository. Last seen in the scan of 2099-06-01 06:00 UTC, in billing');
    }
  });

  it('lists the advisory apart from the current ones, and the crates only on their letters’ pages', async () => {
    const advisories = main((await load('/advisories/')).page);
    expect((await rowTexts(tableRows(advisories, 'Advisories affecting the portfolio, most severe first'))).map((r) => r[0])).toEqual(['RUSTSEC-2099-0004']);
    const gone = await rowTexts(tableRows(advisories, 'Advisories no longer affecting any repository'));
    expect(gone.map((r) => [r[0], r.at(-2)])).toEqual([[R.goneAdvisory, 'last seen 2099-06-01 in billing']]);

    const crates = main((await load('/crates/')).page);
    expect(await crates.getByRole('link', { name: 'time', exact: true }).count()).toBe(0);
    const letter = await rowTexts(tableRows(main((await load('/crates/letter/t/')).page), 'Crates starting with T'));
    expect(letter).toEqual([['time (no longer locked; last seen 2099-06-01)', '0', '0', '0', '0', '0', '0']]);
  });
});

describe('crawling the site', () => {
  it('reaches every built page through links, with no 404, no broken fragment and no console error', async () => {
    const crawl = await crawlSite(browser, server.url);
    expect([...crawl.statuses].filter(([, status]) => status !== 200)).toEqual([]);
    expect(crawl.brokenFragments).toEqual([]);
    expect(crawl.problems).toEqual([]);
    for (const path of [`/advisories/${R.goneAdvisory}/`, '/crates/time/', '/crates/libc/', '/favicon.ico', '/favicon.svg']) expect(crawl.statuses.get(path), path).toBe(200);
    const built = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && e.name === 'index.html')
      .map((e) => `/${join(e.parentPath, e.name).slice(out.length + 1)}`.replace(/index\.html$/, ''));
    expect(built.filter((p) => !crawl.statuses.has(p))).toEqual([]);
  });
});
