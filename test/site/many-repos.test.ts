// The report site at portfolio size: 100 repositories of three scans each. No page may grow
// past what a phone loads well: 100 KB, except the overview, which lists every repository (200 KB). How
// long the build takes is measured by `npm run bench`, not here: a test asserts behaviour.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import type { SummaryIndex } from '../../functions/core/result.ts';
import { launchBrowser, main, openPage, rowTexts, tableRows, visit } from '../helpers/browser.ts';
import { writeManyRepoFixtures } from '../helpers/site-fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');
const COUNT = 100;

let dir: string;
let results: string;
let out: string;
let server: StaticSiteServer;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-many-'));
  results = await writeManyRepoFixtures(join(dir, 'fixtures'), COUNT);
  out = join(dir, 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(results, out);
  server = await serveStaticSite(out, 0);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`the site for ${COUNT} repositories`, () => {
  it('builds a page, its latest.json and a badge for every repository', async () => {
    const repos = await readdir(join(out, 'repos'));
    expect(repos).toHaveLength(COUNT);
    for (const name of repos) expect((await readdir(join(out, 'repos', name))).sort()).toEqual(['index.html', 'latest.json']);
    expect((await readdir(join(out, 'badges'))).filter((f) => f.endsWith('.svg'))).toHaveLength(COUNT);
  });

  it('keeps the overview page under 200 KB', async () => {
    const { size } = await stat(join(out, 'index.html'));
    console.log(`overview for ${COUNT} repositories: ${(size / 1024).toFixed(1)} KB`);
    expect(size).toBeLessThan(200 * 1024);
  });

  it('keeps every other HTML page under 100 KB, the crate list split by initial letter', async () => {
    // The overview lists every repository by design: its own limit is above.
    const pages = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html') && f !== 'index.html');
    const sizes = await Promise.all(pages.map(async (file) => ({ file, size: (await stat(join(out, file))).size })));
    const largest = sizes.sort((a, b) => b.size - a.size)[0]!;
    console.log(`largest page but the overview for ${COUNT} repositories: ${largest.file}, ${(largest.size / 1024).toFixed(1)} KB`);
    expect(sizes.filter((p) => p.size >= 100 * 1024).map((p) => `${p.file}: ${p.size} bytes`)).toEqual([]);
    expect(pages.filter((f) => f.startsWith('crates/letter/')).length).toBeGreaterThan(1);
  });

  it('lists every repository on the overview, worst first, without errors in the browser', async () => {
    const summary = JSON.parse(await readFile(join(results, 'index.json'), 'utf8')) as SummaryIndex;
    const watched = await openPage(browser, server.url);
    try {
      await visit(watched.page, server.url);
      const rows = await rowTexts(tableRows(main(watched.page), /Repositories, worst first/));
      expect(rows).toHaveLength(COUNT);
      const names = await main(watched.page).getByRole('table', { name: /Repositories, worst first/ }).getByRole('rowheader').getByRole('link').allTextContents();
      expect(new Set(names)).toEqual(new Set(summary.repositories.map((r) => r.name)));
      const rank = { error: 0, failing: 1, warnings: 2, 'scanned-nothing': 3, clean: 4 } as const;
      const status = new Map(summary.repositories.map((r) => [r.name, rank[r.status]]));
      const ranks = names.map((n) => status.get(n)!);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
    } finally {
      await watched.close();
    }
  });
});
