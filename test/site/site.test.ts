// The report site end to end: a results folder written by the real scan pipeline, the site
// built from it with the Astro builder, served on loopback and read in Debian's Chromium.
// Elements are found by role and name, as a screen reader would find them.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { heading, launchBrowser, main, openPage, rowTexts, tableRows, visit, type WatchedPage } from '../helpers/browser.ts';
import { SECOND_EVIL_ADVISORY, SITE_FIXTURE as F, SITE_FIXTURE_STATUS, writeSiteFixtures, XSS_ADVISORY, XSS_NORMAL_LINK } from '../helpers/site-fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');
const SCREENSHOTS = resolve(import.meta.dirname, '../../test-artifacts/screenshots');

let dir: string;
let results: string;
let out: string;
let server: StaticSiteServer;
let browser: Browser;
const opened: WatchedPage[] = [];

const url = (path: string) => new URL(path, server.url).href;
const latest = async (repo: string) => JSON.parse(await readFile(join(results, repo, 'latest.json'), 'utf8')) as ScanResult;

/** A fresh page (its own context) at `path`, closed after the file's tests. */
async function load(path: string, options: Parameters<typeof openPage>[2] = {}): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url, options);
  opened.push(watched);
  await visit(watched.page, url(path));
  return watched;
}

/** The page's problems must be none: no console error, no uncaught exception, no failed request. */
function expectNoProblems(watched: WatchedPage): void {
  expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-test-'));
  results = await writeSiteFixtures(join(dir, 'fixtures'));
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

describe('the overview', () => {
  const WORST_FIRST = ['archived-tool', 'broken-lock', 'ghost-service', 'payments-api', 'xss-target', 'ledger-core', 'fleet-api', 'edge-gateway', 'metrics-agent', 'empty-repo', 'docs-site'];

  it('lists every repository worst first, each with its status', async () => {
    const { page, problems } = await load('/');
    await expect(page.title()).resolves.toMatch(/cratewatch/);
    expect(await heading(main(page), 'Repositories', 1).count()).toBe(1);
    const rows = tableRows(main(page), 'Repositories, worst first');
    const names = await rows.getByRole('rowheader').getByRole('link').allTextContents();
    expect(names).toEqual(WORST_FIRST);
    const statuses = (await rowTexts(rows)).map((cells) => cells[1]);
    expect(statuses).toEqual(WORST_FIRST.map((n) => ({ error: 'Error', failing: 'Failing', warnings: 'Warnings', 'scanned-nothing': 'Scanned nothing', clean: 'Clean' })[SITE_FIXTURE_STATUS[n]!]));
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('shows each repository’s open findings by severity, its new findings, and its error', async () => {
    const { page } = await load('/');
    const rows = await rowTexts(tableRows(main(page), 'Repositories, worst first'));
    const summary = JSON.parse(await readFile(join(results, 'index.json'), 'utf8')) as SummaryIndex;
    for (const row of summary.repositories) {
      const matching = rows.filter((r) => r[0]!.startsWith(row.name));
      expect(matching, row.name).toHaveLength(1);
      const cells = matching[0]!;
      const { critical, high, medium, low, unscored, informational } = row.counts.bySeverity;
      expect(cells.slice(2, 8).map(Number), `${row.name} by severity`).toEqual([critical, high, medium, low, unscored, informational]);
      expect(Number(cells[13]), `${row.name} new`).toBe(row.newFindings);
    }
    const cellOf = (name: string) => rows.find((r) => r[0]!.startsWith(name))![0]!;
    expect(cellOf('ghost-service')).toContain('no such directory');
    expect(cellOf('broken-lock')).toContain('Cargo.lock:9');
    expect(cellOf('archived-tool')).toMatch(/Counts are from the scan of 2099-06-01 06:00 UTC/);
  });

  it('sums up the portfolio and draws each repository’s trend', async () => {
    const { page } = await load('/');
    const lead = (await main(page).locator('p.lead').textContent())!.replace(/\s+/g, ' ');
    expect(lead).toContain('11 repositories: 3 could not be scanned, 5 failing, 1 with warnings, 1 scanned nothing, 1 clean.');
    const table = main(page).getByRole('table', { name: 'Repositories, worst first' });
    const ledgerRow = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'ledger-core', exact: true }) });
    await expect(ledgerRow.getByRole('img').getAttribute('aria-label')).resolves.toBe('Open findings over 3 scans: from 1 to 2, at most 2');
  });

  it('sorts by a column when its heading is pressed, with aria-sort telling which', async () => {
    const { page } = await load('/');
    const table = main(page).getByRole('table', { name: /Repositories, worst first/ });
    await table.getByRole('button', { name: 'Repository', exact: true }).click();
    const names = await table.getByRole('rowheader').getByRole('link').allTextContents();
    expect(names).toEqual([...WORST_FIRST].sort((a, b) => a.localeCompare(b)));
    await expect(table.getByRole('columnheader', { name: 'Repository' }).getAttribute('aria-sort')).resolves.toBe('ascending');
  });
});

describe('a repository page', () => {
  it('shows the failing repository’s critical finding, marked new, with its fix command and dependency path', async () => {
    const watched = await load(`/repos/${F.failing}/`);
    const m = main(watched.page);
    expect(await heading(m, F.failing, 1).count()).toBe(1);
    expect(await m.locator('.verdict').textContent()).toContain('Failing');
    expect(await heading(m, 'Open findings (10)', 2).count()).toBe(1);
    const critical = m.getByRole('region', { name: 'Critical (1)' });
    const finding = critical.getByRole('article', { name: 'Out-of-bounds write in hyper client when reading chunked responses' });
    expect(await finding.count()).toBe(1);
    const text = (await finding.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('New');
    expect(text).toContain('hyper 0.14.27');
    expect(await finding.getByRole('code').filter({ hasText: /^cargo update/ }).first().textContent()).toBe('cargo update -p hyper@0.14.27 --precise 0.14.28');
    expect(await finding.getByRole('listitem').allTextContents()).toContain('my-app 0.1.0 → reqwest 0.11.27 → hyper 0.14.27');
    await expect(finding.getByRole('link', { name: 'RUSTSEC-2099-0001' }).getAttribute('href')).resolves.toBe('/advisories/RUSTSEC-2099-0001/');
    // Only hyper came back in the latest scan: it alone is new.
    expect(await m.locator('.badge-new').count()).toBe(1);
    expect((await m.textContent())!.replace(/\s+/g, ' ')).toContain('1 new finding, 0 resolved (previous scan 2099-06-02 06:00 UTC)');
    // Each severity group, most severe first, with its count.
    const groups = await m.getByRole('region', { name: /^(Critical|High|Medium|Low|Unscored|Informational) \(\d+\)$/ }).evaluateAll((sections) =>
      sections.map((s) => s.querySelector('h3')!.textContent!.trim()),
    );
    expect(groups).toEqual(['Critical (1)', 'High (1)', 'Medium (1)', 'Low (2)', 'Unscored (3)', 'Informational (2)']);
    expectNoProblems(watched);
  });

  it('lists the failing repository’s ignored finding, the ignore that matched nothing, and both lockfiles', async () => {
    const { page } = await load(`/repos/${F.failing}/`);
    const m = main(page);
    const ignored = await rowTexts(tableRows(m, 'Findings an ignore leaves out of the verdict'));
    expect(ignored.map((r) => r.slice(0, 5))).toEqual([['RUSTSEC-2099-0008', 'bytes 1.5.0', 'Informational', 'Reviewed: the notice does not apply to how we use bytes', '2099-12-31']]);
    expect((await m.getByRole('region', { name: /^Ignored findings/ }).textContent())!).toContain('RUSTSEC-2099-0099');
    const lockfiles = await rowTexts(tableRows(m, 'Lockfiles scanned'));
    expect(lockfiles.map((r) => r.slice(0, 3))).toEqual([
      ['Cargo.lock', 'Failing', '20'],
      ['fuzz/Cargo.lock', 'Failing', '3'],
    ]);
  });

  it('shows a history: new and resolved findings and a chart with a table of every scan', async () => {
    const watched = await load(`/repos/${F.history}/`);
    const m = main(watched.page);
    const resolved = m.getByRole('region', { name: 'Resolved since the previous scan (1)' });
    expect((await resolved.getByRole('listitem').textContent())!.replace(/\s+/g, ' ')).toContain('RUSTSEC-2099-0003 in tokio 1.38.0');
    const h2 = m.getByRole('article').filter({ hasText: 'h2 0.3.20' });
    expect(await h2.count()).toBe(1);
    expect(await h2.textContent()).toContain('New');
    expect(await m.locator('.badge-new').count()).toBe(1);
    expect(await m.getByRole('img', { name: /Open findings per scan, by severity/ }).count()).toBe(1);
    await m.getByText('The numbers, scan by scan').click();
    const scans = await rowTexts(tableRows(m, 'Open findings per scan, newest first'));
    expect(scans.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['2099-06-03 06:00 UTC', 'Failing', '2'],
      ['2099-06-02 06:00 UTC', 'Failing', '2'],
      ['2099-06-01 06:00 UTC', 'Failing', '1'],
    ]);
    expectNoProblems(watched);
  });

  it('shows why a repository could not be read, and a lockfile that could not be parsed', async () => {
    const missing = main((await load(`/repos/${F.missing}/`)).page).getByRole('region', { name: 'Problems' });
    expect(await missing.textContent()).toContain('no such directory');
    expect(await missing.textContent()).toContain('No earlier scan could read it either');

    const malformed = main((await load(`/repos/${F.malformed}/`)).page).getByRole('region', { name: 'Problems' });
    expect(await malformed.textContent()).toContain('Cargo.lock:9:77: not valid TOML');

    const vanished = main((await load(`/repos/${F.vanished}/`)).page);
    expect((await vanished.getByRole('region', { name: 'Problems' }).textContent())!.replace(/\s+/g, ' ')).toContain(
      'The findings below are not current: they come from the scan of 2099-06-01 06:00 UTC',
    );
    expect(await vanished.getByRole('region', { name: 'Low (1)' }).getByRole('article').count()).toBe(1);
  });

  it('says a clean repository and one without lockfiles have nothing open', async () => {
    const clean = main((await load(`/repos/${F.clean}/`)).page);
    expect(await clean.locator('.verdict').textContent()).toContain('No open findings.');
    expect(await heading(clean, 'Open findings (0)', 2).count()).toBe(1);
    expect(await clean.getByRole('article').count()).toBe(0);
    const empty = main((await load(`/repos/${F.empty}/`)).page);
    expect(await empty.locator('.verdict').textContent()).toContain('No Cargo.lock was found');
  });
});

describe('what to fix first', () => {
  const normal = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

  it('gives a package with two advisories one command that closes both, listed under it and on both findings', async () => {
    const watched = await load(`/repos/${F.xss}/`);
    const m = main(watched.page);
    const fixes = m.getByRole('region', { name: 'Fix first (1)' }).getByRole('listitem').filter({ has: watched.page.locator('pre') });
    expect(await fixes.count()).toBe(1);
    expect(await fixes.locator('pre').textContent()).toBe('cargo update -p evil-crate@1.0.0 --precise 1.0.2');
    expect(normal(await fixes.locator('.closes').textContent())).toBe(`Closes ${XSS_ADVISORY} (critical), ${SECOND_EVIL_ADVISORY} (medium)`);
    // Each advisory it closes links to that finding on the page.
    const targets = await fixes.locator('.closes').getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(targets).toEqual([`#f-Cargo.lock-${XSS_ADVISORY}-evil-crate-1.0.0`, `#f-Cargo.lock-${SECOND_EVIL_ADVISORY}-evil-crate-1.0.0`]);
    for (const id of [XSS_ADVISORY, SECOND_EVIL_ADVISORY]) {
      const card = m.locator(`article:has(> h4[id="f-Cargo.lock-${id}-evil-crate-1.0.0"])`);
      expect(await card.locator('pre').textContent(), id).toBe('cargo update -p evil-crate@1.0.0 --precise 1.0.2');
      expect(normal(await card.locator('.fix-together').textContent()), id).toBe(`One upgrade closes this and ${id === XSS_ADVISORY ? SECOND_EVIL_ADVISORY : XSS_ADVISORY}.`);
    }
    expectNoProblems(watched);
  });

  it('ranks a repository’s fixes most severe first and says which crate blocks a fix that needs a Cargo.toml change', async () => {
    const { page } = await load(`/repos/${F.failing}/`);
    const items = main(page).getByRole('region', { name: /^Fix first/ }).getByRole('list').first().locator(':scope > li');
    const heads = (await items.locator('.fix-head').allTextContents()).map(normal);
    // Two lockfiles: each fix says which it is for.
    expect(heads.slice(0, 3)).toEqual(['Critical hyper 0.14.27 → 0.14.28 in Cargo.lock', 'High h2 0.3.20 → 0.3.26 in Cargo.lock', 'Medium tokio 1.38.0 → 1.38.1 in Cargo.lock']);
    const blocked = items.filter({ hasText: 'thiserror-impl 1.0.69' });
    expect(normal(await blocked.locator('.blocked').textContent())).toBe('Blocked by thiserror 1.0.69: a release of thiserror that allows thiserror-impl >= 2.0.0.');
    expect(await blocked.locator('.blocked').getByRole('link', { name: 'thiserror' }).getAttribute('href')).toBe('/crates/thiserror/');
  });

  it('lists the top fixes across the portfolio on the overview, each with the repositories it applies to', async () => {
    const watched = await load('/');
    const section = main(watched.page).getByRole('region', { name: 'Fix first' });
    const items = section.getByRole('list').first().locator(':scope > li');
    const heads = (await items.locator('.fix-head').allTextContents()).map(normal);
    expect(heads.slice(0, 3)).toEqual([
      'Critical evil-crate 1.0.0 → 1.0.2: closes 2 findings (1 critical, 1 medium) in 1 repository',
      'Critical hyper 0.14.27 → 0.14.28: closes 1 finding (1 critical) in 1 repository',
      'High h2 0.3.20 → 0.3.26: closes 2 findings (2 high) in 2 repositories',
    ]);
    const smallvec = items.filter({ hasText: 'smallvec 0.6.13' });
    expect(normal(await smallvec.locator('.targets').textContent())).toBe('Applies to: payments-api, payments-api (fuzz/Cargo.lock), ledger-core');
    expect(await smallvec.locator('pre').textContent()).toBe('cargo update -p smallvec@0.6.13 --precise 0.6.14');
    expectNoProblems(watched);
  });
});

describe('a finding card', () => {
  it('links every alias, says which platforms the advisory is limited to, and separates affected-function ranges', async () => {
    const repo = main((await load(`/repos/${F.xss}/`)).page);
    const second = repo.locator(`article:has(> h4[id="f-Cargo.lock-${SECOND_EVIL_ADVISORY}-evil-crate-1.0.0"])`);
    const meta = second.locator('.finding-meta');
    expect(await meta.getByRole('link', { name: 'CVE-2099-20667' }).getAttribute('href')).toBe('https://www.cve.org/CVERecord?id=CVE-2099-20667');
    expect(await meta.getByRole('link', { name: 'GHSA-abcd-efgh-ijkl' }).getAttribute('href')).toBe('https://github.com/advisories/GHSA-abcd-efgh-ijkl');
    expect(await meta.locator('.platforms').textContent()).toBe('Windows only');
    expect(await meta.locator('.sev').textContent()).toBe('Medium');
    const hyper = main((await load(`/repos/${F.failing}/`)).page).getByRole('article', { name: 'Out-of-bounds write in hyper client when reading chunked responses' });
    expect(await hyper.locator('.platforms').textContent()).toBe('Linux on x86_64 only');

    const advisory = main((await load(`/advisories/${SECOND_EVIL_ADVISORY}/`)).page);
    const functions = advisory.getByRole('region', { name: 'Details' }).getByRole('listitem').filter({ hasText: 'evil_crate::run' });
    expect((await functions.textContent())!.replace(/\s+/g, ' ')).toBe('evil_crate::run < 0.6.14 or >= 1.0.0, < 1.0.2');
  });

  it('says the index was not checked when the scan ran offline, rather than “none outdated”', async () => {
    const m = main((await load(`/repos/${F.failing}/`)).page);
    expect(await heading(m, 'Outdated packages (not checked)', 2).count()).toBe(1);
    expect((await m.getByRole('region', { name: /^Outdated packages/ }).textContent())!).not.toContain('No locked package is known to have a newer release');
    expect(await heading(m, /^Not covered \(2, index not checked\)$/, 2).count()).toBe(1);
    expect((await m.getByRole('region', { name: /^Not covered/ }).textContent())!).not.toContain('Every locked package was checked');
  });
});

describe('filters', () => {
  const visible = (rows: ReturnType<typeof tableRows>) => rows.evaluateAll((trs) => trs.filter((tr) => (tr as HTMLElement).offsetParent !== null).map((tr) => tr.querySelector('th')!.textContent!.trim()));

  it('filter the advisory list by text and by severity as one types', async () => {
    const watched = await load('/advisories/');
    const m = main(watched.page);
    const rows = tableRows(m, 'Advisories affecting the portfolio, most severe first');
    const all = await rows.count();
    const search = m.getByRole('search', { name: 'Filter the advisories' });
    await search.getByRole('searchbox', { name: 'Filter advisories' }).fill('smallvec');
    expect(await visible(rows)).toEqual(['RUSTSEC-2099-0004']);
    expect(await search.getByRole('status').textContent()).toBe(`Showing 1 of ${all}.`);
    await search.getByRole('searchbox').fill('');
    await search.getByRole('combobox', { name: 'Severity' }).selectOption('critical');
    expect((await visible(rows)).sort()).toEqual(['RUSTSEC-2099-0001', XSS_ADVISORY]);
    expectNoProblems(watched);
  });

  it('filter a repository’s findings by text and by “new”, hiding the severity groups left empty', async () => {
    const watched = await load(`/repos/${F.failing}/`);
    const m = main(watched.page);
    const search = m.getByRole('search', { name: 'Filter the findings' });
    const shown = () => m.locator('#finding-list article').evaluateAll((articles) => articles.filter((a) => (a as HTMLElement).offsetParent !== null).map((a) => a.querySelector('h4')!.textContent!.trim()));
    const groups = () => m.locator('#finding-list section').evaluateAll((sections) => sections.filter((s) => !(s as HTMLElement).hidden).map((s) => s.querySelector('h3')!.textContent!.trim()));
    expect(await shown()).toHaveLength(10);
    await search.getByRole('checkbox', { name: 'New only' }).check();
    expect(await shown()).toEqual(['Out-of-bounds write in hyper client when reading chunked responses']);
    expect(await groups()).toEqual(['Critical (1)']);
    await search.getByRole('checkbox', { name: 'New only' }).uncheck();
    await search.getByRole('searchbox').fill('rustsec-2099-0003');
    expect(await shown()).toHaveLength(1);
    expect(await groups()).toEqual(['Medium (1)']);
    expectNoProblems(watched);
  });

  it('filter a crate list by name', async () => {
    const m = main((await load('/crates/letter/s/')).page);
    const rows = tableRows(m, 'Crates starting with S');
    await m.getByRole('searchbox', { name: 'Filter crates' }).fill('serde_');
    expect(await visible(rows)).toEqual(['serde_derive']);
  });

  it('show every row and no filter without scripts', async () => {
    for (const [path, table] of [['/advisories/', 'Advisories affecting the portfolio, most severe first'], ['/crates/letter/s/', 'Crates starting with S']] as const) {
      const { page } = await load(path, { javaScriptEnabled: false });
      const rows = tableRows(main(page), table);
      expect(await main(page).getByRole('search').count(), path).toBe(0);
      expect(await visible(rows), path).toHaveLength(await rows.count());
    }
    const { page } = await load(`/repos/${F.failing}/`, { javaScriptEnabled: false });
    expect(await main(page).getByRole('search').count()).toBe(0);
    expect(await main(page).locator('#finding-list article').evaluateAll((articles) => articles.filter((a) => (a as HTMLElement).offsetParent !== null).length)).toBe(10);
  });
});

describe('an address that is not in the report', () => {
  it('answers 404 with the site\'s own page, which leads back to the repositories', async () => {
    const response = await fetch(url('/repos/no-such-repository/'));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const watched = await openPage(browser, server.url);
    opened.push(watched);
    expect((await watched.page.goto(url('/repos/no-such-repository/')))?.status()).toBe(404);
    expect(await main(watched.page).getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await main(watched.page).getByRole('link', { name: 'All repositories' }).getAttribute('href')).toBe('/');
  });
});

describe('an advisory page', () => {
  it('lists every lockfile that locks an affected version, with the locked version and the fix', async () => {
    const watched = await load('/advisories/RUSTSEC-2099-0004/');
    const m = main(watched.page);
    expect(await m.getByRole('heading', { level: 1 }).textContent()).toBe('RUSTSEC-2099-0004: Buffer overflow in SmallVec::insert_many');
    const rows = await rowTexts(tableRows(m, 'Lockfiles that lock a version affected by RUSTSEC-2099-0004'));
    expect(rows).toEqual([
      ['ledger-core', 'Cargo.lock', '0.6.13', 'ledger-core 0.1.0 → smallvec 0.6.13', 'cargo update -p smallvec@0.6.13 --precise 0.6.14'],
      ['payments-api', 'Cargo.lock', '0.6.13', 'my-lib 0.1.0 → smallvec 0.6.13', 'cargo update -p smallvec@0.6.13 --precise 0.6.14'],
      ['payments-api', 'fuzz/Cargo.lock', '0.6.13', 'payments-fuzz 0.1.0 → smallvec 0.6.13', 'cargo update -p smallvec@0.6.13 --precise 0.6.14 in fuzz/'],
    ]);
    expect((await m.locator('p.lead').textContent())!.replace(/\s+/g, ' ')).toContain('in 3 lockfiles of 2 repositories');
    expectNoProblems(watched);
  });

  it('shows the facts, the description and the references of a critical advisory', async () => {
    const { page } = await load('/advisories/RUSTSEC-2099-0001/');
    const m = main(page);
    const rows = await rowTexts(tableRows(m, /affected by RUSTSEC-2099-0001/));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([['payments-api', 'Cargo.lock', '0.14.27']]);
    const details = (await m.getByRole('region', { name: 'Details' }).textContent())!.replace(/\s+/g, ' ');
    expect(details).toContain('Critical');
    expect(details).toContain('9.8');
    await expect(m.getByRole('link', { name: 'CVE-2099-10001' }).getAttribute('href')).resolves.toBe('https://www.cve.org/CVERecord?id=CVE-2099-10001');
    expect(await m.getByRole('region', { name: 'Description' }).textContent()).toContain('did not bound the size of a chunk-size line');
    const upstream = m.getByRole('region', { name: 'Description' }).getByRole('link', { name: 'upstream advisory' });
    expect(await upstream.getAttribute('rel')).toMatch(/noopener/);
    const references = await m.getByRole('region', { name: 'References' }).getByRole('link').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
    expect(references).toContain('https://github.com/hyperium/hyper/issues/99001');
    expect(references).toContain('https://rustsec.org/advisories/RUSTSEC-2099-0001.html');
  });

  it('lists a repository whose findings are carried over from its last readable scan', async () => {
    const { page } = await load('/advisories/RUSTSEC-2099-0005/');
    const rows = await rowTexts(tableRows(main(page), /affected by RUSTSEC-2099-0005/));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['archived-tool', 'Cargo.lock', '0.1.45'],
      ['payments-api', 'Cargo.lock', '0.1.45'],
    ]);
  });
});

describe('a crate page', () => {
  it('lists every locked version, newest first, and where it is locked', async () => {
    const watched = await load('/crates/hyper/');
    const m = main(watched.page);
    expect(await heading(m, 'hyper', 1).count()).toBe(1);
    expect(await rowTexts(tableRows(m, 'Where each version of hyper is locked'))).toEqual([
      ['0.14.28', 'docs-site', 'Cargo.lock', 'crates.io', 'None'],
      ['0.14.27', 'payments-api', 'Cargo.lock', 'crates.io', 'RUSTSEC-2099-0001'],
    ]);
    const advisories = await rowTexts(tableRows(m, 'Advisories affecting locked versions of hyper'));
    expect(advisories.map((r) => [r[0], r.at(-2)])).toEqual([['RUSTSEC-2099-0001', '0.14.27 (1 lockfile)']]);
    expectNoProblems(watched);
  });

  it('counts versions, lockfiles and repositories', async () => {
    const { page } = await load('/crates/smallvec/');
    const lead = (await main(page).locator('p.lead').textContent())!.replace(/\s+/g, ' ');
    expect(lead).toContain('1 version locked in 3 lockfiles of 2 repositories');
    expect((await rowTexts(tableRows(main(page), 'Where each version of smallvec is locked'))).map((r) => r[1])).toEqual(['ledger-core', 'payments-api', 'payments-api']);
  });
});

describe('the index pages', () => {
  it('lists every advisory that affects the portfolio, most severe first', async () => {
    const ids = new Set<string>();
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) {
      for (const l of (await latest(name)).lockfiles) for (const f of [...l.findings, ...l.ignored]) if (f.advisory) ids.add(f.advisory.id);
    }
    const { page } = await load('/advisories/');
    const rows = await rowTexts(tableRows(main(page), 'Advisories affecting the portfolio, most severe first'));
    expect(rows.map((r) => r[0]).sort()).toEqual([...ids].sort());
    expect(rows.slice(0, 2).map((r) => r[3]!.split(' ')[0])).toEqual(['Critical', 'Critical']);
  });

  it('lists the crates that need attention, those with advisories first, and every locked crate on the pages by letter', async () => {
    const names = new Set<string>();
    const attention = new Set<string>();
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) {
      for (const l of (await latest(name)).lockfiles) {
        for (const p of l.packages) names.add(p.name);
        for (const f of [...l.findings, ...l.ignored]) if (f.advisory) attention.add(f.package.name);
        for (const d of l.duplicates) attention.add(d.name);
      }
    }
    const { page } = await load('/crates/');
    const rows = await rowTexts(tableRows(main(page), 'Crates that need attention, those with advisories first'));
    expect(rows.map((r) => r[0]).sort()).toEqual([...attention].sort());
    const firstWithout = rows.findIndex((r) => r[4] === '0');
    expect(firstWithout === -1 || rows.slice(firstWithout).every((r) => r[4] === '0')).toBe(true);
    // The letters' pages, each linked from the list, hold every crate once.
    const letters = await main(page).getByRole('navigation', { name: 'Every crate by initial letter' }).getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(letters).toContain('/crates/letter/h/');
    const listed: string[] = [];
    for (const href of letters) {
      const letterPage = main((await load(href)).page);
      listed.push(...(await rowTexts(tableRows(letterPage, /^Crates (starting with|not starting)/))).map((r) => r[0]!));
    }
    expect(listed.sort()).toEqual([...names].sort());
  });

  it('shows a badge and its README Markdown for every repository', async () => {
    const { page } = await load('/badges/');
    const m = main(page);
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) expect(await heading(m, name, 2).count(), name).toBe(1);
    expect(await m.getByRole('img', { name: 'dependencies: 1 critical' }).count()).toBe(2);
    expect(await m.getByRole('img', { name: 'dependencies: up to date' }).count()).toBe(1);
    // Every badge image loaded (naturalWidth 0 means a broken image).
    const widths = await m.getByRole('img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
    expect(widths.every((w) => w > 0)).toBe(true);
  });
});

describe('the files beside the pages', () => {
  it('serves each repository’s latest result byte for byte as the store wrote it', async () => {
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) {
      const response = await fetch(url(`/repos/${name}/latest.json`));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(await readFile(join(results, name, 'latest.json'), 'utf8'));
    }
  });

  it('makes every badge a valid SVG with a root <svg> and every shields JSON complete', async () => {
    const { page } = await load('/');
    const expected: Record<string, [string, string]> = {
      'payments-api': ['1 critical', 'red'],
      'ledger-core': ['1 high', 'orange'],
      'docs-site': ['up to date', 'brightgreen'],
      'metrics-agent': ['1 warning', 'yellow'],
      'ghost-service': ['error', 'lightgrey'],
      'empty-repo': ['no lockfile', 'lightgrey'],
    };
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) {
      const svg = await page.evaluate(async (href) => {
        const response = await fetch(href);
        const doc = new DOMParser().parseFromString(await response.text(), 'image/svg+xml');
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          root: doc.documentElement.localName,
          namespace: doc.documentElement.namespaceURI,
          errors: doc.getElementsByTagName('parsererror').length,
          label: doc.documentElement.getAttribute('aria-label'),
        };
      }, url(`/badges/${name}.svg`));
      expect(svg, name).toMatchObject({ status: 200, type: 'image/svg+xml', root: 'svg', namespace: 'http://www.w3.org/2000/svg', errors: 0 });
      const response = await fetch(url(`/badges/${name}.json`));
      expect(response.status).toBe(200);
      const json = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(json).sort()).toEqual(['color', 'label', 'message', 'schemaVersion']);
      expect(json.schemaVersion).toBe(1);
      expect(json.label).toBe('dependencies');
      expect(typeof json.message).toBe('string');
      expect(typeof json.color).toBe('string');
      expect(svg.label).toBe(`dependencies: ${json.message}`);
      if (expected[name]) expect([json.message, json.color], name).toEqual(expected[name]);
    }
  });

  it('publishes an Atom feed of the new findings, each entry with id, title, updated and link', async () => {
    const { page } = await load('/');
    const feed = await page.evaluate(async (href) => {
      const response = await fetch(href);
      const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
      const ATOM = 'http://www.w3.org/2005/Atom';
      const child = (el: Element, name: string) => [...el.children].find((c) => c.localName === name && c.namespaceURI === ATOM);
      return {
        status: response.status,
        errors: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.localName,
        namespace: doc.documentElement.namespaceURI,
        foreignElements: [...doc.getElementsByTagName('*')].filter((el) => el.namespaceURI !== ATOM).map((el) => el.localName),
        hostileSummary: [...doc.getElementsByTagNameNS(ATOM, 'summary')].map((el) => el.textContent ?? '').find((text) => text.includes('Hostile')) ?? null,
        feedId: child(doc.documentElement, 'id')?.textContent ?? null,
        feedUpdated: child(doc.documentElement, 'updated')?.textContent ?? null,
        entries: [...doc.getElementsByTagNameNS(ATOM, 'entry')].map((entry) => ({
          id: child(entry, 'id')?.textContent ?? null,
          title: child(entry, 'title')?.textContent ?? null,
          updated: child(entry, 'updated')?.textContent ?? null,
          link: [...entry.children].find((c) => c.localName === 'link' && (c.getAttribute('rel') ?? 'alternate') === 'alternate')?.getAttribute('href') ?? null,
        })),
      };
    }, url('/feed.xml'));
    expect(feed).toMatchObject({ status: 200, errors: 0, root: 'feed', namespace: 'http://www.w3.org/2005/Atom' });
    // Without a site URL the feed is named by a fixed URN, the same in every build, so readers keep it.
    expect(feed.feedId).toBe('urn:uuid:2e3ef7de-0e9e-59ec-b874-c70f07e50c15');
    // The hostile advisory's title is text in the feed, not markup.
    expect(feed.foreignElements).toEqual([]);
    expect(feed.hostileSummary).toContain('Hostile <img src=x onerror="window.__xss=9"> advisory title');
    expect(Number.isNaN(Date.parse(feed.feedUpdated!))).toBe(false);
    // Every first-time finding of every scan in every history, titled by crate, advisory and repository.
    const expectedTitles: string[] = [];
    for (const name of Object.keys(SITE_FIXTURE_STATUS)) {
      for (const file of await readdir(join(results, name, 'history'))) {
        for (const ref of (JSON.parse(await readFile(join(results, name, 'history', file), 'utf8')) as ScanResult).diff.new) {
          const where = ref.lockfile === 'Cargo.lock' ? name : `${name} (${ref.lockfile})`;
          const what = ref.kind === 'yanked' ? 'yanked' : `${ref.id} (${ref.severity})`;
          expectedTitles.push(`${ref.package.name} ${ref.package.version}: ${what} in ${where}`);
        }
      }
    }
    expect(feed.entries.map((e) => e.title).sort()).toEqual(expectedTitles.sort());
    for (const entry of feed.entries) {
      expect(entry.id).toMatch(/^(urn:uuid:|https?:)/);
      expect(Number.isNaN(Date.parse(entry.updated!))).toBe(false);
      // The finding's entry on its repository page while it is open; the page itself once it is not.
      expect(entry.link).toMatch(/^\/repos\/[^/]+\/(#f-[A-Za-z0-9._-]+)?$/);
    }
    expect(new Set(feed.entries.map((e) => e.id)).size).toBe(feed.entries.length);
    const times = feed.entries.map((e) => Date.parse(e.updated!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(feed.entries.find((e) => e.title === 'hyper 0.14.27: RUSTSEC-2099-0001 (critical) in payments-api')?.link).toBe(
      '/repos/payments-api/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27',
    );
  });
});

describe('a hostile advisory', () => {
  /** Everything on the page that could run script or leak the reader: must be nothing. */
  async function activeParts(page: Page) {
    return page.evaluate(() => {
      const all = [...document.querySelectorAll('*')];
      const main = document.querySelector('main')!;
      return {
        xss: (window as unknown as { __xss?: unknown }).__xss,
        hostileScripts: [...document.scripts].filter((script) => script.textContent?.includes('__xss')).length,
        onAttributes: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${el.localName} ${a.name}>`)),
        scriptUrls: all.flatMap((el) =>
          ['href', 'src', 'action', 'formaction', 'xlink:href'].map((name) => el.getAttribute(name)).filter((v): v is string => v !== null && /^\s*(javascript|vbscript|data):/i.test(v)),
        ),
        imagesInMain: main.querySelectorAll('img:not([src^="/badges/"]), iframe, object, embed').length,
      };
    });
  }

  it('renders its description with nothing active on the advisory page', async () => {
    const watched = await load(`/advisories/${XSS_ADVISORY}/`);
    const { page } = watched;
    await page.waitForTimeout(200); // give any injected handler the chance to fire
    expect(await activeParts(page)).toEqual({ xss: undefined, hostileScripts: 0, onAttributes: [], scriptUrls: [], imagesInMain: 0 });
    const description = main(page).getByRole('region', { name: 'Description' });
    expect(await description.textContent()).toContain('Description with an inline script');
    expect(await description.locator('script, svg, img').count()).toBe(0);
    // The title is text: the <img> in it is shown, not made.
    expect(await main(page).getByRole('heading', { level: 1 }).textContent()).toContain('<img src=x onerror="window.__xss=9">');
    const normal = page.locator(`a[href="${XSS_NORMAL_LINK}"]`);
    expect(await normal.count()).toBeGreaterThanOrEqual(1);
    for (const rel of await normal.evaluateAll((links) => links.map((a) => a.getAttribute('rel') ?? ''))) {
      expect(rel.split(/\s+/)).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));
    }
    expectNoProblems(watched);
  });

  it('leaves nothing active on the repository and crate pages that show it', async () => {
    for (const path of [`/repos/${F.xss}/`, '/crates/evil-crate/', '/advisories/', '/']) {
      const watched = await load(path);
      await watched.page.waitForTimeout(100);
      expect(await activeParts(watched.page), path).toEqual({ xss: undefined, hostileScripts: 0, onAttributes: [], scriptUrls: [], imagesInMain: 0 });
      expectNoProblems(watched);
    }
  });
});

describe('styles', () => {
  it('loads a stylesheet on every page type, which hides the skip link until it has focus', async () => {
    for (const path of ['/', `/repos/${F.failing}/`, '/advisories/RUSTSEC-2099-0001/', '/crates/hyper/', '/advisories/', '/crates/', '/badges/']) {
      const watched = await load(path);
      const styled = await watched.page.evaluate(() => ({
        stylesheets: document.styleSheets.length,
        rules: [...document.styleSheets].reduce((n, sheet) => n + sheet.cssRules.length, 0),
        skipLinkOnScreen: (() => {
          const box = document.querySelector('a[href="#main"]')!.getBoundingClientRect();
          return box.right > 0 && box.left < innerWidth && box.bottom > 0 && box.top < innerHeight;
        })(),
      }));
      expect(styled.stylesheets, `${path}: stylesheets`).toBeGreaterThan(0);
      expect(styled.rules, `${path}: CSS rules`).toBeGreaterThan(10);
      expect(styled.skipLinkOnScreen, `${path}: skip link on screen before it has focus`).toBe(false);
      expectNoProblems(watched);
    }
  });

  it('follows the system’s dark mode', async () => {
    const luminance = async (colorScheme: 'light' | 'dark') => {
      const { page } = await load('/', { colorScheme });
      return page.evaluate(() => {
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g)!.map(Number);
        return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
      });
    };
    expect(await luminance('light')).toBeGreaterThan(0.8);
    expect(await luminance('dark')).toBeLessThan(0.2);
  });
});

describe('keyboard and progressive enhancement', () => {
  it('reaches the skip link first, which moves focus to the main content, and then the repository links', async () => {
    const { page } = await load('/');
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const box = el.getBoundingClientRect();
      return { text: el.textContent?.trim(), href: el.getAttribute('href'), visible: box.width > 0 && box.height > 0 && box.top >= 0 && box.top < innerHeight };
    });
    expect(skip).toEqual({ text: 'Skip to content', href: '#main', visible: true });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Tab on until a repository link has focus, then follow it.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => ({ inMain: Boolean(document.activeElement?.closest('main')), href: document.activeElement?.getAttribute('href') ?? null }));
      expect(focused.inMain).toBe(true);
      if (focused.href?.startsWith('/repos/')) {
        await Promise.all([page.waitForURL(/\/repos\/[^/]+\/$/), page.keyboard.press('Enter')]);
        expect(new URL(page.url()).pathname).toBe(focused.href);
        return;
      }
    }
    throw new Error('no repository link reached in 40 presses of Tab');
  });

  it('has a copy button that copies the fix command when scripts run', async () => {
    const watched = await load(`/repos/${F.failing}/`);
    await watched.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    const button = main(watched.page).getByRole('button', { name: 'Copy the fix command for hyper 0.14.27' });
    expect(await button.isVisible()).toBe(true);
    await button.click();
    expect(await watched.page.evaluate(() => navigator.clipboard.readText())).toBe('cargo update -p hyper@0.14.27 --precise 0.14.28');
    expect(await button.textContent()).toBe('Copied');
    expect(await watched.page.getByRole('status').textContent()).toContain('cargo update -p hyper@0.14.27 --precise 0.14.28');
    expectNoProblems(watched);
  });

  it('shows no copy button without scripts, and the command is still there to select', async () => {
    const { page } = await load(`/repos/${F.failing}/`, { javaScriptEnabled: false });
    expect(await main(page).getByRole('button', { name: /Copy the fix command/ }).count()).toBe(0);
    const card = main(page).getByRole('article', { name: 'Out-of-bounds write in hyper client when reading chunked responses' });
    expect(await card.getByText('cargo update -p hyper@0.14.27 --precise 0.14.28', { exact: true }).isVisible()).toBe(true);
    // The overview still reads worst first without the sort script.
    const overview = await load('/', { javaScriptEnabled: false });
    expect(await overview.page.getByRole('table', { name: /Repositories, worst first/ }).getByRole('rowheader').first().textContent()).toMatch(/^archived-tool/);
  });
});

describe('crawling the whole site from the overview', () => {
  it('reaches every page and file through links, with no 404, no redirect, no broken fragment and no broken labelling', async () => {
    const watched = await openPage(browser, server.url);
    opened.push(watched);
    const { page, problems } = watched;
    const origin = new URL(server.url).origin;
    const queue = ['/'];
    const seen = new Set(queue);
    const statuses = new Map<string, number>();
    const ids = new Map<string, Set<string>>();
    const fragments: { from: string; path: string; id: string }[] = [];
    const pageProblems: string[] = [];
    const unstyled: string[] = [];
    const markup: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift()!;
      const response = await fetch(url(path), { redirect: 'manual' });
      statuses.set(path, response.status);
      if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/html')) {
        await response.arrayBuffer();
        continue;
      }
      await response.arrayBuffer();
      problems.consoleErrors.length = problems.pageErrors.length = problems.failedRequests.length = 0;
      await visit(page, url(path));
      const found = await page.evaluate(() => ({
        links: [...document.querySelectorAll('a[href], link[href], img[src], script[src], source[src]')].map((el) => (el as HTMLAnchorElement).href || (el as HTMLImageElement).src),
        ids: [...document.querySelectorAll('[id], a[name]')].map((el) => el.id || el.getAttribute('name')!),
        stylesheets: document.styleSheets.length,
        // Markup that breaks what assistive technology is told: duplicate ids, labels pointing nowhere, unnamed images and links.
        markup: [
          ...Object.entries([...document.querySelectorAll('[id]')].reduce<Record<string, number>>((n, el) => ({ ...n, [el.id]: (n[el.id] ?? 0) + 1 }), {}))
            .filter(([, count]) => count > 1)
            .map(([id]) => `duplicate id ${id}`),
          ...[...document.querySelectorAll('[aria-labelledby], [aria-describedby]')].flatMap((el) =>
            `${el.getAttribute('aria-labelledby') ?? ''} ${el.getAttribute('aria-describedby') ?? ''}`.split(/\s+/).filter((id) => id && !document.getElementById(id)).map((id) => `label ${id} missing`),
          ),
          ...[...document.querySelectorAll('img:not([alt])')].map((img) => `img without alt: ${img.getAttribute('src')}`),
          ...[...document.querySelectorAll('a[href]')].filter((a) => !(a.textContent ?? '').trim() && !a.getAttribute('aria-label') && !a.querySelector('img[alt]:not([alt=""])')).map((a) => `link without text: ${a.getAttribute('href')}`),
          ...(document.querySelectorAll('h1').length === 1 ? [] : [`${document.querySelectorAll('h1').length} h1 elements`]),
        ],
      }));
      markup.push(...found.markup.map((problem) => `${path}: ${problem}`));
      ids.set(path, new Set(found.ids));
      if (found.stylesheets === 0) unstyled.push(path);
      pageProblems.push(...problems.consoleErrors, ...problems.pageErrors, ...problems.failedRequests);
      for (const href of found.links) {
        const target = new URL(href);
        if (target.origin !== origin) continue;
        if (target.hash.length > 1) fragments.push({ from: path, path: target.pathname, id: decodeURIComponent(target.hash.slice(1)) });
        if (!seen.has(target.pathname)) {
          seen.add(target.pathname);
          queue.push(target.pathname);
        }
      }
    }
    const bad = [...statuses].filter(([, status]) => status !== 200);
    expect(bad).toEqual([]);
    expect(pageProblems).toEqual([]);
    expect(unstyled).toEqual([]);
    expect(markup).toEqual([]);
    expect(fragments.filter((f) => !ids.get(f.path)?.has(f.id)).map((f) => `${f.from} → ${f.path}#${f.id}`)).toEqual([]);

    // Every page type was reached.
    const reached = [...statuses.keys()];
    const types: Record<string, RegExp> = {
      overview: /^\/$/,
      repository: /^\/repos\/[^/]+\/$/,
      'latest.json': /^\/repos\/[^/]+\/latest\.json$/,
      advisory: /^\/advisories\/RUSTSEC-[^/]+\/$/,
      advisories: /^\/advisories\/$/,
      crate: /^\/crates\/[^/]+\/$/,
      crates: /^\/crates\/$/,
      'badge svg': /^\/badges\/[^/]+\.svg$/,
      badges: /^\/badges\/$/,
      feed: /^\/feed\.xml$/,
    };
    expect(Object.entries(types).filter(([, pattern]) => !reached.some((p) => pattern.test(p))).map(([type]) => type)).toEqual([]);

    // Nothing built is an orphan, except the shields JSON (for shields.io, linked only when the site's URL is known)
    // and the 404 page (served for addresses that are not in the report).
    const built = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => `/${join(e.parentPath, e.name).slice(out.length + 1)}`.replace(/index\.html$/, ''));
    const orphans = built.filter((p) => !seen.has(p) && !/^\/badges\/[^/]+\.json$/.test(p) && p !== '/404.html');
    expect(orphans).toEqual([]);
    console.log(`crawl: ${statuses.size} URLs (${ids.size} HTML pages), ${fragments.length} fragment links`);
  });
});

describe('screenshots', () => {
  it('saves a full-page screenshot of each page type, in dark mode and at phone width', async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    const shots: [string, string][] = [
      ['overview', '/'],
      ['repository-failing', `/repos/${F.failing}/`],
      ['repository-history', `/repos/${F.history}/`],
      ['repository-error', `/repos/${F.vanished}/`],
      ['repository-clean', `/repos/${F.clean}/`],
      ['advisory', '/advisories/RUSTSEC-2099-0001/'],
      ['advisory-hostile', `/advisories/${XSS_ADVISORY}/`],
      ['advisories', '/advisories/'],
      ['crate', '/crates/hyper/'],
      ['crates', '/crates/'],
      ['badges', '/badges/'],
    ];
    for (const [name, path] of shots) {
      const { page } = await load(path, { viewport: { width: 1280, height: 800 } });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
    for (const [name, path] of [['overview-dark', '/'], ['repository-failing-dark', `/repos/${F.failing}/`]] as const) {
      const { page } = await load(path, { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
    for (const [name, path] of [['overview-phone', '/'], ['repository-failing-phone', `/repos/${F.failing}/`]] as const) {
      const { page } = await load(path, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
      // Wide tables scroll in their own box; the page itself does not scroll sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} page width`).toBeLessThanOrEqual(390);
    }
    expect((await readdir(SCREENSHOTS)).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(shots.length + 4);
  });
});
