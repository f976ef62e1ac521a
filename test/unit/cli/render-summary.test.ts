// The run's summary table (scan from full results, invoke from outcomes) and the audit
// table: what the checks could not see is said, and a stale database is never silent.
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import type { RepoOutcome } from '../../../functions/cli/invoke-payloads.ts';
import { describeNotChecked, renderOutcomes, renderSummary } from '../../../functions/cli/render-summary.ts';
import { renderTable } from '../../../functions/cli/render-table.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import type { CrateLookup } from '../../../functions/core/ports.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import type { UnreachableSource } from '../../../functions/wiring/scan-sources.ts';
import { CLEAN_LOCK, fixtureDb, fixtureText } from '../../helpers/fixtures.ts';

const NOW = new Date('2099-06-20T06:00:00Z');
let db: AdvisoryDb;

beforeAll(async () => {
  db = await fixtureDb();
});

function audit(name: string, text: string, options: { fetchedAt?: string | null; index?: Map<string, CrateLookup>; maxAgeDays?: number } = {}): ScanResult {
  return auditRepository({
    repository: { name, source: 'local', ref: null, commit: null },
    lockfiles: [{ path: 'Cargo.lock', text }],
    db: { ...db, revision: 'abcdef0123456789abcdef0123456789abcdef01', fetchedAt: options.fetchedAt ?? null },
    dbLocation: 'https://example.com/advisory-db.tar.gz',
    ignores: [],
    deny: [],
    now: NOW,
    ...(options.index ? { index: options.index } : {}),
    ...(options.maxAgeDays === undefined ? {} : { advisoryDbMaxAgeDays: options.maxAgeDays }),
  });
}

const lines = (text: string) => text.split('\n');

describe('renderSummary', () => {
  it('calls a repository with nothing found on a database past its limit warnings, and says why once', () => {
    const old = '2099-06-10T06:00:00.000Z';
    const results = [audit('quiet', CLEAN_LOCK, { fetchedAt: old }), audit('calm', CLEAN_LOCK, { fetchedAt: old })];
    expect(results.map((r) => [r.status, r.advisoryDb.stale])).toEqual([
      ['warnings', { ageDays: 10, maxAgeDays: 7 }],
      ['warnings', { ageDays: 10, maxAgeDays: 7 }],
    ]);
    const text = renderSummary(results, { color: false });
    expect(lines(text).filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: the advisory database (abcdef012345) was last known current 10 days ago, over the 7-day limit (sources.advisory_db_max_age_days): advisories published since are not checked. Its download failed or the scan ran offline: make sources.advisory_db reachable and scan again',
    ]);
    expect(text).toContain('2 repositories: 0 failing, 2 with warnings, 0 clean');
  });

  it('stays quiet about a database within its limit, or one whose age is unknown', () => {
    const results = [audit('fresh', CLEAN_LOCK, { fetchedAt: '2099-06-19T06:00:00.000Z' }), audit('limit', CLEAN_LOCK, { fetchedAt: '2099-06-10T06:00:00.000Z', maxAgeDays: 14 }), audit('local', CLEAN_LOCK)];
    expect(results.map((r) => r.status)).toEqual(['clean', 'clean', 'clean']);
    expect(renderSummary(results, { color: false })).not.toContain('warning:');
  });

  it('counts packages not covered and failed index lookups in their own columns and names the crates the index could not tell about', () => {
    const index = new Map<string, CrateLookup>([['reqwest', { kind: 'failed', message: 'crate "reqwest": HTTP 503, giving up after retries' }]]);
    const text = renderSummary([audit('app', fixtureText('v3.Cargo.lock'), { index }), audit('quiet', CLEAN_LOCK, { index: new Map() })], { color: false });
    const table = lines(text);
    expect(table.find((l) => l.startsWith('repository'))).toBe('repository  status   crit  high  med  low  unsc  info  new  fixed  outdated  dups  uncovered  unreached');
    // app: a git and an other-registry package, reqwest's failed lookup, and every crate the empty index map does not answer for.
    expect(table.find((l) => l.startsWith('app '))!.split(/\s+/).slice(-2)).toEqual(['3', '1']);
    expect(table.find((l) => l.startsWith('quiet '))!.split(/\s+/).slice(-2)).toEqual(['0', '0']);
    expect(text).toContain('app: the index could not be read for 1 crate (reqwest): not checked for yanked or newer versions this time\n');
    expect(text).toContain('3 packages not covered by the advisory and index checks, 1 of them because the index could not be reached\n');
  });
});

describe('renderSummary offline', () => {
  it('shows a dash for outdated and says once that yanked and outdated were not checked when the index was not asked', () => {
    const text = renderSummary([audit('offline', fixtureText('v3.Cargo.lock')), audit('also', CLEAN_LOCK)], { color: false });
    const table = lines(text);
    const header = table.find((l) => l.startsWith('repository'))!.split(/\s+/);
    const row = table.find((l) => l.startsWith('offline '))!.split(/\s+/);
    expect(row[header.indexOf('outdated')]).toBe('-');
    expect(table.filter((l) => l.startsWith('not checked:'))).toEqual(['not checked: yanked and outdated crates (offline: the crates.io index was not asked)']);
  });

  it('shows the outdated count and no offline line when the index was asked', () => {
    const text = renderSummary([audit('online', CLEAN_LOCK, { index: new Map() })], { color: false });
    const table = lines(text);
    const header = table.find((l) => l.startsWith('repository'))!.split(/\s+/);
    expect(table.find((l) => l.startsWith('online '))!.split(/\s+/)[header.indexOf('outdated')]).toBe('0');
    expect(text).not.toContain('not checked:');
  });
});

describe('describeNotChecked and the summary of unreachable hosts', () => {
  const host = (extra: Partial<UnreachableSource>): UnreachableSource => ({
    host: 'index.crates.io',
    origin: 'https://index.crates.io',
    reason: 'ENOTFOUND',
    firstError: 'getaddrinfo ENOTFOUND index.crates.io',
    failed: 3,
    skipped: 40,
    roles: [],
    repositories: [],
    ...extra,
  });
  const failedIndex = (names: string[]) => new Map<string, CrateLookup>(names.map((n) => [n, { kind: 'failed', message: `crate "${n}": not asked` }]));

  it('counts each crate the index could not be asked for once, across repositories', () => {
    const v3 = fixtureText('v3.Cargo.lock');
    const results = [audit('app', v3, { index: failedIndex(['hyper', 'tokio', 'libc']) }), audit('quiet', CLEAN_LOCK, { index: failedIndex(['hyper']) })];
    expect(describeNotChecked(host({ roles: ['index'] }), results)).toBe('index.crates.io unreachable (ENOTFOUND): 3 crates not looked up (yanked/outdated not checked)');
  });

  it('names the repositories a host held that could not be fetched, and the cached database used', () => {
    const broken = { ...audit('remote', CLEAN_LOCK), status: 'error' as const, errors: ['url https://files.example/remote/Cargo.lock: no answer'] };
    const results = [audit('quiet', CLEAN_LOCK, { fetchedAt: '2099-06-19T06:00:00.000Z' }), broken];
    expect(describeNotChecked(host({ host: 'files.example', roles: ['url'], repositories: ['remote', 'other'] }), results)).toBe('files.example unreachable (ENOTFOUND): 1 repository not fetched (remote)');
    expect(describeNotChecked(host({ host: 'github.com', reason: 'ECONNREFUSED', roles: ['advisory-db'] }), results)).toBe(
      'github.com unreachable (ECONNREFUSED): the advisory database not downloaded (the copy last known current at 2099-06-19T06:00:00.000Z was used)',
    );
  });

  it('falls back to the request count for a host none of the results depended on', () => {
    expect(describeNotChecked(host({ host: 'elsewhere.example' }), [])).toBe('elsewhere.example unreachable (ENOTFOUND): 43 requests failed or not sent');
  });

  it('ends the summary with a not-checked line per unreachable host, after the warnings', () => {
    const text = renderSummary([audit('quiet', CLEAN_LOCK, { index: failedIndex(['hyper']) })], { color: false, unreachable: [host({ roles: ['index'] }), host({ host: 'files.example', roles: ['url'] })] });
    expect(lines(text).slice(-3)).toEqual(['not checked: index.crates.io unreachable (ENOTFOUND): 1 crate not looked up (yanked/outdated not checked)', 'not checked: files.example unreachable (ENOTFOUND): 43 requests failed or not sent', '']);
  });

  it('prints no not-checked line when every host answered', () => {
    expect(renderSummary([audit('quiet', CLEAN_LOCK, { index: new Map() })], { color: false, unreachable: [] })).not.toContain('not checked');
  });
});

describe('renderOutcomes', () => {
  it('keeps the table invoke has always printed: outcomes carry no coverage, so no coverage columns or line', () => {
    const outcome: RepoOutcome = { repo: 'serde', status: 'clean', counts: audit('serde', CLEAN_LOCK).counts, key: null, error: null, newFindings: 0, resolvedFindings: 0 };
    expect(lines(renderOutcomes([outcome], { color: false }))).toEqual([
      '',
      'repository  status  crit  high  med  low  unsc  info  new  fixed  outdated  dups',
      'serde       clean   0     0     0    0    0     0     0    0      -         0',
      '1 repositories: 0 failing, 0 with warnings, 1 clean, 0 scanned nothing, 0 could not be scanned',
      '',
    ]);
  });
});

describe('renderTable', () => {
  it('ends with a stale-database warning, after the database line, when the database was past its limit', () => {
    const text = renderTable(audit('quiet', CLEAN_LOCK, { fetchedAt: '2099-06-01T00:00:00.000Z' }), { color: false });
    expect(lines(text).slice(-3)).toEqual([
      '2 advisories could not be read and were skipped',
      'warning: the advisory database (abcdef012345) was last known current 19 days ago, over the 7-day limit (sources.advisory_db_max_age_days): advisories published since are not checked. Its download failed or the scan ran offline: make sources.advisory_db reachable and scan again',
      '',
    ]);
    expect(text).toContain('WARN: 0 findings');
  });
});
