// The report site when the scans' sources let them down: two scans by the real pipeline, the
// second with an advisory database eleven days old (a cached copy stood in) and an index that
// could not be asked about one crate. The overview and the repository pages must say so:
// a stale-database warning, no repository shown clean, the packages not covered counted, and
// the index facts kept from the first scan dated.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { runScan } from '../../functions/app/scan-pipeline.ts';
import type { AdvisorySource, CrateLookup, IndexSource, RepoConfig } from '../../functions/core/ports.ts';
import type { SummaryIndex } from '../../functions/core/result.ts';
import { launchBrowser, main, openPage, rowTexts, tableRows, visit, type WatchedPage } from '../helpers/browser.ts';
import { CLEAN_LOCK, FIXTURE_DB, fixtureDb, fixtureText } from '../helpers/fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');
const FIRST_SCAN = Date.parse('2099-06-01T06:00:00Z');
const SECOND_SCAN = Date.parse('2099-06-12T06:00:00Z');

let dir: string;
let results: string;
let server: StaticSiteServer;
let browser: Browser;
const opened: WatchedPage[] = [];

/** The database as a download made at the first scan gives it; the second scan gets the same copy. */
const staleSource: AdvisorySource = {
  location: 'https://example.com/rustsec/advisory-db/archive/refs/heads/main.tar.gz',
  load: async () => ({ ...(await fixtureDb()), fetchedAt: new Date(FIRST_SCAN).toISOString() }),
};

/** The index as the pipeline sees it: maybe-uninit 2.0.0 is yanked, and at the second scan its lookup fails. */
function indexAt(scan: number): IndexSource {
  return {
    lookup: async (name): Promise<CrateLookup> => {
      if (name !== 'maybe-uninit') return { kind: 'found', versions: [] };
      if (scan === 2) return { kind: 'failed', message: 'crate "maybe-uninit": https://index.example.com/ma/yb/maybe-uninit: HTTP 503, giving up after retries' };
      return { kind: 'found', versions: [{ version: '2.0.0', yanked: true, rustVersion: null }, { version: '2.0.1', yanked: false, rustVersion: null }] };
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-warnings-'));
  const repos: RepoConfig[] = [];
  for (const [name, text] of [['stale-app', fixtureText('v3.Cargo.lock')], ['stale-quiet', CLEAN_LOCK]] as const) {
    await mkdir(join(dir, 'repos', name), { recursive: true });
    await writeFile(join(dir, 'repos', name, 'Cargo.lock'), text);
    repos.push({ name, location: { kind: 'path', path: join(dir, 'repos', name) }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] });
  }
  const store = new ResultStore(new FsObjectStore(join(dir, 'store')));
  for (const [scan, start] of [[1, FIRST_SCAN], [2, SECOND_SCAN]] as const) {
    let tick = 0;
    await runScan(
      { repositories: repos, configured: repos, alerts: { threshold: 'critical', unscored: false }, concurrency: 2 },
      {
        advisorySource: staleSource,
        dbLocation: FIXTURE_DB,
        index: indexAt(scan),
        cache: null,
        repoSources: { path: new LocalRepoSource({ maxFileBytes: 1_000_000 }) },
        store,
        alerter: { send: async () => undefined },
        now: () => new Date(start + 1000 * tick++),
      },
    );
  }
  results = join(dir, 'store', 'results');
  const out = join(dir, 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(results, out);
  server = await serveStaticSite(out, 0);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  for (const watched of opened) await watched.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function load(path: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  opened.push(watched);
  await visit(watched.page, new URL(path, server.url).href);
  return watched;
}

const text = async (locator: { textContent(): Promise<string | null> }) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('the overview after a scan with a stale database and an index outage', () => {
  it('warns that the advisory database is stale, with its age and the limit', async () => {
    const { page, problems } = await load('/');
    const note = main(page).getByRole('note', { name: 'Stale advisory database' });
    expect(await text(note)).toContain('The latest scan of 2 repositories used a database last known current 11 days ago, over the 7-day limit');
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('shows no repository as clean, and says in each row what the scan could not see', async () => {
    const { page } = await load('/');
    const rows = await rowTexts(tableRows(main(page), 'Repositories, worst first'));
    const row = (name: string) => rows.find((r) => r[0]!.startsWith(name))!;
    expect(row('stale-quiet')[1]).toBe('Warnings');
    expect(row('stale-quiet')[0]).toContain('Advisory database last known current 11 days ago, over the 7-day limit.');
    expect(row('stale-app')[0]).toContain('Index not reached for 1 crate; 2 yanked/outdated kept from earlier scans.');
  });

  it('counts the packages not covered in their own column and in the totals', async () => {
    const { page } = await load('/');
    const m = main(page);
    const summary = JSON.parse(await readFile(join(results, 'index.json'), 'utf8')) as SummaryIndex;
    const headers = await m.getByRole('table', { name: 'Repositories, worst first' }).getByRole('columnheader').allTextContents();
    expect(headers.map((h) => h.trim())).toContain('Not covered');
    // A row's cells: name, status, 6 severities, 5 kinds, new, outdated, duplicates, then not covered.
    const NOT_COVERED = 16;
    const rows = await rowTexts(tableRows(m, 'Repositories, worst first'));
    for (const repo of summary.repositories) {
      expect(rows.find((r) => r[0]!.startsWith(repo.name))![NOT_COVERED], repo.name).toBe(String(repo.notCovered));
    }
    expect(summary.repositories.map((r) => [r.name, r.notCovered, r.indexFailed])).toEqual([
      ['stale-app', 3, 1],
      ['stale-quiet', 0, 0],
    ]);
    expect(await text(m.locator('p.coverage'))).toBe(
      '3 locked packages not covered by the advisory and index checks (git dependencies, other registries, crates the index does not have or could not be asked about), 1 of them because the index could not be reached.',
    );
  });
});

describe('a repository page after such a scan', () => {
  it('says under the verdict that the database was stale, and marks it in the facts', async () => {
    const m = main((await load('/repos/stale-quiet/')).page);
    expect(await text(m.locator('.verdict'))).toContain('Warnings');
    expect(await text(m.getByRole('note', { name: 'Stale advisory database' }))).toContain(
      'this scan used a copy last known current 11 days ago, over the 7-day limit (its download failed, or the scan ran offline). Advisories published since are not checked',
    );
    expect(await text(m.locator('.meta'))).toContain('last known current 2099-06-01 06:00 UTC (stale: last known current 11 days ago, over the 7-day limit)');
  });

  it('lists the crate the index could not be asked about, and the yanked and outdated facts kept from the first scan with its date', async () => {
    const problems = main((await load('/repos/stale-app/')).page).getByRole('region', { name: 'Problems' });
    const said = await text(problems);
    expect(said).toContain('The crates.io index could not be reached for 1 crate, so this scan could not check whether they are yanked or outdated:');
    expect(said).toContain('maybe-uninit 2.0.0: the index could not be read: crate "maybe-uninit": https://index.example.com/ma/yb/maybe-uninit: HTTP 503, giving up after retries');
    expect(said).toContain('maybe-uninit 2.0.0 is yanked, as of the scan of 2099-06-01 06:00 UTC');
    expect(said).toContain('maybe-uninit 2.0.0 is outdated (latest 2.0.1), as of the scan of 2099-06-01 06:00 UTC');
  });
});
