import { describe, expect, it } from 'vitest';
import { findingTimeline, portfolioTrend } from '../../../functions/core/finding-timeline.ts';
import { countFindings, SCHEMA_VERSION, sumCounts, type Finding, type LockfileResult, type ScanResult } from '../../../functions/core/result.ts';
import type { Severity } from '../../../functions/core/severity.ts';

const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

function finding(name: string, version: string, id: string, severity: Severity = 'high'): Finding {
  return {
    kind: 'vulnerability',
    severity,
    package: { name, version, source: CRATES_IO },
    advisory: {
      id,
      title: `${id} in ${name}`,
      date: '2026-01-01',
      url: null,
      aliases: [],
      related: [],
      references: [],
      categories: [],
      keywords: [],
      informational: null,
      cvss: null,
      patched: ['>= 9.0.0'],
      unaffected: [],
      affected: null,
      license: null,
      description: '',
    },
    fix: { status: 'none', version: null, command: null, summary: '' },
    paths: [],
    line: 1,
  };
}

function lockfile(findings: Finding[], path = 'Cargo.lock', status: LockfileResult['status'] = findings.length > 0 ? 'failing' : 'clean'): LockfileResult {
  return {
    path,
    format: 3,
    packageCount: 2,
    rustVersion: null,
    status,
    packages: [],
    findings,
    ignored: [],
    ignoreProblems: [],
    duplicates: [],
    outdated: [],
    notCovered: [],
    errors: status === 'error' ? [{ message: 'bad', line: 1, field: null }] : [],
    counts: countFindings(findings, 0, 0),
  };
}

function scan(repository: string, scannedAt: string, lockfiles: LockfileResult[], errors: string[] = []): ScanResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cratewatch', version: 'test' },
    repository: { name: repository, source: 'local', ref: null, commit: null },
    scannedAt,
    advisoryDb: { revision: 'rev', location: 'db', fetchedAt: null, advisoryCount: 0, diagnostics: [] },
    policy: { deny: [] },
    status: errors.length > 0 ? 'error' : 'failing',
    errors,
    carriedFrom: null,
    lockfiles,
    counts: sumCounts(lockfiles.map((l) => l.counts)),
    diff: { previousScanAt: null, new: [], resolved: [] },
  };
}

const hyper = (version = '0.14.27') => finding('hyper', version, 'RUSTSEC-2099-0001', 'critical');
const h2 = () => finding('h2', '0.3.20', 'RUSTSEC-2099-0002');
const tokio = () => finding('tokio', '1.38.0', 'RUSTSEC-2099-0003', 'medium');

describe('findingTimeline', () => {
  it('dates an open finding from the scan that first saw it and ages it in whole days at the latest scan', () => {
    const history = [
      scan('app', '2026-01-01T10:00:00Z', [lockfile([hyper()])]),
      scan('app', '2026-01-03T09:00:00Z', [lockfile([hyper(), h2()])]),
      scan('app', '2026-01-13T12:00:00Z', [lockfile([hyper(), h2()])]),
    ];
    const { open, resolved } = findingTimeline('app', history);
    expect(open.map((f) => [f.ref.id, f.firstSeen, f.sinceHistoryStart, f.ageDays])).toEqual([
      ['RUSTSEC-2099-0001', '2026-01-01T10:00:00Z', true, 12],
      ['RUSTSEC-2099-0002', '2026-01-03T09:00:00Z', false, 10],
    ]);
    expect(resolved).toEqual([]);
  });

  it('gives a finding resolved in the history its resolution time and days to fix', () => {
    const history = [
      scan('app', '2026-01-01T00:00:00Z', [lockfile([hyper()])]),
      scan('app', '2026-01-02T00:00:00Z', [lockfile([hyper(), tokio()])]),
      scan('app', '2026-01-09T12:00:00Z', [lockfile([hyper()])]),
    ];
    const { open, resolved } = findingTimeline('app', history);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ ref: { id: 'RUSTSEC-2099-0003', package: { name: 'tokio', version: '1.38.0' } }, firstSeen: '2026-01-02T00:00:00Z', resolvedAt: '2026-01-09T12:00:00Z', daysToFix: 7, sinceHistoryStart: false });
    expect(open.map((f) => f.ref.id)).toEqual(['RUSTSEC-2099-0001']);
  });

  it('keeps the first-seen time when the crate is bumped inside the affected range, and reports the version locked now', () => {
    const history = [scan('app', '2026-01-01T00:00:00Z', [lockfile([hyper('0.14.27')])]), scan('app', '2026-01-05T00:00:00Z', [lockfile([hyper('0.14.28')])])];
    const { open, resolved } = findingTimeline('app', history);
    expect(open.map((f) => [f.firstSeen, f.ref.package.version, f.ageDays])).toEqual([['2026-01-01T00:00:00Z', '0.14.28', 4]]);
    expect(resolved).toEqual([]);
  });

  it('resolves nothing during an outage (an error result carrying the old lockfiles) nor while a lockfile fails to parse', () => {
    const history = [
      scan('app', '2026-01-01T00:00:00Z', [lockfile([hyper()]), lockfile([tokio()], 'sub/Cargo.lock')]),
      scan('app', '2026-01-02T00:00:00Z', [lockfile([hyper()]), lockfile([tokio()], 'sub/Cargo.lock')], ['could not read the repository']),
      scan('app', '2026-01-03T00:00:00Z', [lockfile([hyper()]), lockfile([], 'sub/Cargo.lock', 'error')]),
      scan('app', '2026-01-04T00:00:00Z', [lockfile([hyper()]), lockfile([tokio()], 'sub/Cargo.lock')]),
    ];
    const { open, resolved } = findingTimeline('app', history);
    expect(resolved).toEqual([]);
    expect(open.map((f) => [f.ref.lockfile, f.firstSeen])).toEqual([
      ['Cargo.lock', '2026-01-01T00:00:00Z'],
      ['sub/Cargo.lock', '2026-01-01T00:00:00Z'],
    ]);
  });

  it('starts a new episode when a resolved finding comes back', () => {
    const history = [
      scan('app', '2026-01-01T00:00:00Z', [lockfile([h2()])]),
      scan('app', '2026-01-04T00:00:00Z', [lockfile([])]),
      scan('app', '2026-01-10T00:00:00Z', [lockfile([h2()])]),
      scan('app', '2026-01-11T00:00:00Z', [lockfile([h2()])]),
    ];
    const { open, resolved } = findingTimeline('app', history);
    expect(resolved.map((f) => [f.firstSeen, f.resolvedAt, f.daysToFix, f.sinceHistoryStart])).toEqual([['2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z', 3, true]]);
    expect(open.map((f) => [f.firstSeen, f.ageDays])).toEqual([['2026-01-10T00:00:00Z', 1]]);
  });

  it('returns nothing for an empty history', () => {
    expect(findingTimeline('app', [])).toEqual({ open: [], resolved: [] });
  });
});

describe('portfolioTrend', () => {
  it('sums each repository\'s latest result as of each scan day, by severity', () => {
    const alpha = [
      scan('alpha', '2026-01-01T08:00:00Z', [lockfile([hyper(), h2()])]),
      // Two scans on one day: the later one counts for that day.
      scan('alpha', '2026-01-03T08:00:00Z', [lockfile([hyper(), h2(), tokio()])]),
      scan('alpha', '2026-01-03T20:00:00Z', [lockfile([hyper()])]),
    ];
    const beta = [scan('beta', '2026-01-02T12:00:00Z', [lockfile([tokio()])])];
    const trend = portfolioTrend([beta, alpha]);
    expect(trend.map((p) => [p.day, p.bySeverity.critical, p.bySeverity.high, p.bySeverity.medium, p.total, p.repositories])).toEqual([
      ['2026-01-01', 1, 1, 0, 2, 1],
      ['2026-01-02', 1, 1, 1, 3, 2],
      ['2026-01-03', 1, 0, 1, 2, 2],
    ]);
  });

  it('buckets by the UTC day of the scan time, whatever its offset', () => {
    const trend = portfolioTrend([[scan('alpha', '2026-01-01T23:30:00-02:00', [lockfile([hyper()])])]]);
    expect(trend.map((p) => p.day)).toEqual(['2026-01-02']);
  });

  it('returns no points when there are no results', () => {
    expect(portfolioTrend([[], []])).toEqual([]);
  });
});
