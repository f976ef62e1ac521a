// The runbook checks on a repository page: finding scopes, duplicates explained with their
// policy, pinning with a pin plan to copy, toolchains and base images, and the requirements
// of a repository without Cargo.lock; and a result stored before these checks still renders
// as it did. A results folder written by the scan pipeline, the checks' fields hand-written
// into it (test/helpers/site-fixtures.ts RUNBOOK), built with Astro and read in Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { serveStaticSite, type StaticSiteServer } from '../../functions/adapters/static-site-server.ts';
import { heading, launchBrowser, main, openPage, rowTexts, tableRows, visit, type WatchedPage } from '../helpers/browser.ts';
import { RUNBOOK, SITE_FIXTURE as F, writeSiteFixtures } from '../helpers/site-fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');

let dir: string;
let server: StaticSiteServer;
let browser: Browser;
const opened: WatchedPage[] = [];

async function load(path: string, options: Parameters<typeof openPage>[2] = {}): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url, options);
  opened.push(watched);
  await visit(watched.page, new URL(path, server.url).href);
  return watched;
}

const normal = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

/** The text of the `dd` after the `dt` named `term` in a finding card. */
async function fact(card: Locator, term: string): Promise<string | null> {
  return card.locator('dl.facts').evaluate((dl, t) => {
    const dt = [...dl.querySelectorAll('dt')].find((d) => d.textContent?.trim() === t);
    return dt ? (dt.nextElementSibling?.textContent ?? '').replace(/\s+/g, ' ').trim() : null;
  }, term);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-runbook-'));
  const results = await writeSiteFixtures(join(dir, 'fixtures'));
  const out = join(dir, 'site');
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

describe('a finding card', () => {
  it('says the scope of each finding: normal, build only or dev only, with the members and the targets', async () => {
    const watched = await load(`/repos/${F.runbook}/`);
    const m = main(watched.page);
    const card = (title: string | RegExp) => m.getByRole('article', { name: title });
    expect(await fact(card(/TcpListener/), 'Scope')).toBe('normal (fleet-api)');
    expect(await fact(card(/dangling pointer/), 'Scope')).toBe('normal (fleet-api); cfg(unix) only');
    expect(await fact(card(/Proxy-Authorization/), 'Scope')).toBe('dev only (fleet-cli)');
    expect(await fact(card(/base64/), 'Scope')).toBe('build only (fleet-api, fleet-cli)');
    expect(normal(await card(/Proxy-Authorization/).locator('.finding-meta').textContent())).toMatch(/ · Dev only$/);
    expect(normal(await card(/base64/).locator('.finding-meta').textContent())).toMatch(/ · Build only$/);
    expect(await card(/TcpListener/).locator('.scope-tag').count()).toBe(0);
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});

describe('duplicates explained', () => {
  it('ranks the duplicated crates by the packages that disappear, each version with what pins it', async () => {
    const { page } = await load(`/repos/${F.runbook}/`);
    const section = main(page).getByRole('region', { name: 'Duplicate crates (2)' });
    // The result lists syn first; http takes two packages out, syn one.
    const names = await section.getByRole('article').evaluateAll((articles) => articles.map((a) => a.querySelector('h3')!.textContent!.trim()));
    expect(names).toEqual(['http: 2 versions, unifying removes 2 packages', 'syn: 2 versions, unifying removes 1 package']);
    const http = section.getByRole('article', { name: /^http:/ });
    const versions = tableRows(http, 'Versions of http and what pins each');
    expect((await rowTexts(versions)).map((r) => r[0])).toEqual(['0.2.12', '1.1.0 (target)']);
    expect((await versions.nth(0).getByRole('listitem').allTextContents()).map(normal)).toEqual([
      'reqwest 0.11.27 requires ^0.2',
      'tower-http 0.4.4 requires ^0.2.7',
      'member fleet-cli, crates/cli/Cargo.toml:14 requires "0.2"',
    ]);
    expect((await versions.nth(1).getByRole('listitem').allTextContents()).map(normal)).toEqual([
      'member fleet-api, crates/api/Cargo.toml:11 requires "1.1" (from Cargo.toml:8)',
      'axum 0.7.5 requires ^1.1',
    ]);
    expect(await http.getByRole('link', { name: 'tower-http', exact: true }).getAttribute('href')).toBe('/crates/tower-http/');
    const step = normal(await http.locator('.step').textContent());
    expect(step).toContain('Blocked: http 0.2.12 → 1.1.0 (another semver line; removes 2 packages)');
    expect(step).toContain('Blocked by tower-http 0.4.4 requires http ^0.2.7; tower-http 0.5.0 allows http 1.x.');
    expect(step).toContain('Blocked by reqwest 0.11.27 requires http ^0.2; reqwest 0.12.0 allows http 1.x.');
    expect(step).toContain('Edit: fleet-cli (crates/cli/Cargo.toml:14) requires http "0.2"; change it to "1.1" at crates/cli/Cargo.toml:14.');
    expect(await http.getByRole('code').filter({ hasText: /^cargo update/ }).count()).toBe(0);
    expect(normal(await http.locator('.disappearing').textContent())).toBe('Gone once unified: fnv 1.0.7, http 0.2.12.');
  });

  it('gives the command when cargo update alone unifies a duplicate, and copies it', async () => {
    const watched = await load(`/repos/${F.runbook}/`);
    await watched.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    const syn = main(watched.page).getByRole('article', { name: /^syn:/ });
    expect(normal(await syn.locator('.step-head').textContent())).toBe('Ready: syn 2.0.48 → 2.0.66 (semver-compatible; removes 1 package)');
    await syn.getByRole('button', { name: 'Copy the command that unifies syn 2.0.48' }).click();
    expect(await watched.page.evaluate(() => navigator.clipboard.readText())).toBe('cargo update -p syn@2.0.48');
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('lists the duplicates the policy allows, with reason and expiry, and the allowances that expired or match nothing', async () => {
    const { page } = await load(`/repos/${F.runbook}/`);
    const section = main(page).getByRole('region', { name: 'Duplicate crates (2)' });
    expect(await heading(section, 'Allowed duplicates (1)', 3).count()).toBe(1);
    expect(await rowTexts(tableRows(section, 'Duplicates the repository’s policy allows'))).toEqual([
      ['windows-sys', '0.48.0, 0.52.0', 'mio 0.8 still needs it; gone with tokio 1.39', '2099-12-31', 'deny.toml'],
    ]);
    const problems = (await section.locator('.policy-problems > li').allTextContents()).map(normal);
    expect(problems).toEqual([
      'base64 0.13 in cratewatch.toml: expired on 2099-01-31, so the versions it allowed count again. Reason given: Waiting for reqwest 0.12',
      'nix in deny.toml: matches no duplicated version: remove it. Reason given: Old exception for the signal handler',
    ]);
  });
});

describe('pinning', () => {
  it('lists the pinning findings by file and line, with the message and the suggested edit', async () => {
    const { page } = await load(`/repos/${F.runbook}/`);
    const section = main(page).getByRole('region', { name: 'Pinning (4 findings)' });
    const rows = await rowTexts(tableRows(section, 'Pinning findings in Cargo.toml, by file and line'));
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['Cargo.toml:10', 'anyhow', 'needs a person'],
      ['crates/api/Cargo.toml:9 fleet-api', 'tokio', 'tokio = { workspace = true }'],
      ['crates/api/Cargo.toml:14 fleet-api', 'tower-http', 'needs a person'],
      ['crates/cli/Cargo.toml:12 fleet-cli', 'reqwest', 'version = "0.11"'],
    ]);
    expect(rows[3]![2]).toBe('requirement "*" admits every future release, breaking ones included Unbounded requirement');
  });

  it('shows the pin plan: the block, its entries, the crates left alone, and one diff per Cargo.toml', async () => {
    const { page } = await load(`/repos/${F.runbook}/`);
    const section = main(page).getByRole('region', { name: 'Pinning (4 findings)' });
    const plan = RUNBOOK.pinning[0]!.plan;
    expect(await section.locator('.cmd.multi:not(.diff) code').textContent()).toBe(plan.block);
    expect(await rowTexts(tableRows(section, 'Entries of the planned [workspace.dependencies]'))).toEqual([
      ['base64', '0.21', '0.21.7', 'fleet-api, fleet-cli'],
      ['http (already there)', '1.1', '1.1.0', 'none'],
      ['reqwest', '0.11', '0.11.27', 'fleet-cli'],
      ['tokio', '1.38', '1.38.0', 'fleet-api'],
    ]);
    expect(await section.locator('.cmd.diff code').allTextContents()).toEqual([RUNBOOK.workspaceDiff, RUNBOOK.apiDiff]);
    // Each diff keeps its lines and scrolls in a box a keyboard can reach.
    const box = section.getByRole('region', { name: 'Diff of crates/api/Cargo.toml' });
    expect(await box.getAttribute('tabindex')).toBe('0');
    expect(normal(await section.locator('.skipped').textContent())).toBe('tower-http at crates/api/Cargo.toml:14: a git dependency without rev or tag: pin it first');
  });

  it('copies the block and each diff exactly, so the diff applies with git apply', async () => {
    const watched = await load(`/repos/${F.runbook}/`);
    await watched.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    const m = main(watched.page);
    const clipboard = () => watched.page.evaluate(() => navigator.clipboard.readText());
    await m.getByRole('button', { name: 'Copy the [workspace.dependencies] block for Cargo.toml' }).click();
    expect(await clipboard()).toBe(RUNBOOK.pinning[0]!.plan.block);
    await m.getByRole('button', { name: 'Copy the diff of crates/api/Cargo.toml' }).click();
    expect(await clipboard()).toBe(RUNBOOK.apiDiff);
    await m.getByRole('button', { name: 'Copy the diff of Cargo.toml' }).click();
    expect(await clipboard()).toBe(RUNBOOK.workspaceDiff);
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('shows the diffs without scripts, and no copy button', async () => {
    const { page } = await load(`/repos/${F.runbook}/`, { javaScriptEnabled: false });
    const section = main(page).getByRole('region', { name: 'Pinning (4 findings)' });
    expect(await section.getByRole('button').count()).toBe(0);
    expect(await section.getByText('+tokio = { workspace = true }').isVisible()).toBe(true);
  });

  it('says why there is no plan for a workspace without Cargo.lock, and which checks did not run', async () => {
    const { page } = await load(`/repos/${F.manifestOnly}/`);
    const section = main(page).getByRole('region', { name: 'Pinning (1 finding)' });
    const text = normal(await section.textContent());
    expect(text).toContain('Not planned: there is no Cargo.lock: the plan pins the locked versions');
    expect(await section.locator('.not-checked li').allTextContents()).toEqual(['stale lower bounds: there is no Cargo.lock to compare with']);
    expect(await section.locator('.cmd').count()).toBe(0);
  });
});

describe('toolchains and base images', () => {
  it('lists the pins to update first, with file:line, current → new and how far behind, then the current ones and what was not checked', async () => {
    const { page } = await load(`/repos/${F.runbook}/`);
    const section = main(page).getByRole('region', { name: 'Toolchains and base images (2 to update)' });
    expect(normal(await section.locator('p').first().textContent())).toBe('Latest stable Rust: 1.95.0 (released 2099-05-28).');
    expect(await rowTexts(tableRows(section, 'Pins to update, furthest behind first'))).toEqual([
      ['Dockerfile:3 the value is at line 1', 'Rust image rust', '1.75-alpine → 1.95-alpine', '20 releases behind'],
      ['compose.yaml:4', 'Base image postgres', '16.0-alpine → 16.4-alpine', 'minor update'],
    ]);
    expect(normal(await section.locator('.current-pins').textContent())).toBe(
      'Current or within the limit: redis:7.2.5 at compose.yaml:9; channel 1.93.0 at rust-toolchain.toml:2, 2 releases behind.',
    );
    expect((await section.locator('.not-checked li').allTextContents()).map(normal)).toEqual([
      'nginx:latest at compose.yaml:12: tag is not a version',
      'ghcr.io/acme/fleet-api:main at deploy/api.yaml:21: the registry answered 401: no credentials for ghcr.io',
    ]);
  });

  it('says nothing could be checked, never that everything is current, when no pin could be compared', async () => {
    const { page } = await load(`/repos/${F.manifestOnly}/`);
    const section = main(page).getByRole('region', { name: 'Toolchains and base images (not checked)' });
    const text = normal(await section.textContent());
    expect(text).toContain('Nothing could be checked');
    expect(text).toContain('rust:1.80-slim at Dockerfile:1: the stable channel manifest could not be fetched: HTTP 503');
    expect(text).not.toMatch(/current|up to date/i);
  });
});

describe('a repository without Cargo.lock', () => {
  it('says its verdict comes from the manifests, and counts the requirements by outcome', async () => {
    const watched = await load(`/repos/${F.manifestOnly}/`);
    const m = main(watched.page);
    expect(normal(await m.locator('.verdict').textContent())).toBe(
      'Failing No Cargo.lock was found: 6 requirements in the manifests were checked instead (1 vulnerable, 1 maybe vulnerable).',
    );
    const section = m.getByRole('region', { name: 'Requirements, without a lockfile (6)' });
    expect((await section.getByRole('list', { name: 'Requirements by outcome' }).getByRole('listitem').allTextContents()).map(normal)).toEqual([
      '1 vulnerable',
      '1 maybe vulnerable',
      '1 outdated',
      '1 not covered',
    ]);
    expect(normal(await section.locator('.manifest-errors li').textContent())).toBe('tools/broken/Cargo.toml:4 (dependencies.serde): expected a version string or a table, found an integer');
    expect(await m.getByRole('navigation', { name: 'On this page' }).getByRole('link').allTextContents()).toEqual(['Open findings', 'Requirements', 'Pinning', 'Toolchains', 'History']);
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('lists every requirement worst first, with where, newest admitted, latest, status and advisories', async () => {
    const { page } = await load(`/repos/${F.manifestOnly}/`);
    const rows = await rowTexts(tableRows(main(page), 'Requirements of every member, worst first'));
    expect(rows.map((r) => r.slice(0, 7))).toEqual([
      ['hyper', 'gateway', 'gateway/Cargo.toml:9', '=0.14.27', '0.14.27', '1.3.1 (outdated)', 'Vulnerable'],
      ['rustls-pki-types', 'gateway', 'gateway/Cargo.toml:10', '>=0.8', '1.8.0', '1.8.0', 'Maybe vulnerable'],
      ['internal-util', 'xtask', 'tools/xtask/Cargo.toml:7', '—', 'not checked', '—', 'Not covered path: a path dependency (../internal-util): not on crates.io'],
      ['serde', 'gateway', 'gateway/Cargo.toml:7', '1', '1.0.210', '1.0.210', 'OK'],
      ['tokio dev only', 'gateway', 'gateway/Cargo.toml:13', '1.38', '1.38.1', '1.38.1', 'OK'],
      ['winapi cfg(windows) only', 'gateway', 'gateway/Cargo.toml:16', '0.3', '0.3.9', '0.3.9', 'OK'],
    ]);
    expect(rows[1]![7]).toBe('RUSTSEC-2099-0011 Medium PEM parser accepts trailing garbage after the end marker affects 0.8.0, 0.8.1, not the newest');
  });

  it('links an advisory to its page only when the site has one', async () => {
    const { page } = await load(`/repos/${F.manifestOnly}/`);
    const table = main(page).getByRole('table', { name: 'Requirements of every member, worst first' });
    const linked = table.getByRole('link', { name: 'RUSTSEC-2099-0001', exact: true });
    expect(await linked.getAttribute('href')).toBe('/advisories/RUSTSEC-2099-0001/');
    expect((await fetch(new URL('/advisories/RUSTSEC-2099-0001/', server.url))).status).toBe(200);
    // No lockfile locks a version RUSTSEC-2099-0011 affects: it has no page, so no link.
    expect(await table.getByRole('link', { name: 'RUSTSEC-2099-0011' }).count()).toBe(0);
    expect(await table.getByText('RUSTSEC-2099-0011', { exact: true }).count()).toBe(1);
    expect((await fetch(new URL('/advisories/RUSTSEC-2099-0011/', server.url))).status).toBe(404);
  });
});

describe('a result stored before the runbook checks', () => {
  it('renders as before: the plain duplicates table, no scope, no pinning, toolchains or requirements sections', async () => {
    const watched = await load(`/repos/${F.failing}/`);
    const m = main(watched.page);
    expect(await m.getByRole('table', { name: 'Crates locked at more than one version in Cargo.lock' }).count()).toBe(1);
    expect(await m.locator('dl.facts dt', { hasText: /^Scope$/ }).count()).toBe(0);
    for (const name of [/^Pinning/, /^Toolchains and base images/, /^Requirements, without a lockfile/]) expect(await heading(m, name, 2).count()).toBe(0);
    expect(await m.getByRole('navigation', { name: 'On this page' }).getByRole('link').allTextContents()).toEqual([
      'Fix first', 'Open findings', 'Ignored', 'Outdated', 'Duplicates', 'Not covered', 'Lockfiles', 'History',
    ]);
    expect(watched.problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});
