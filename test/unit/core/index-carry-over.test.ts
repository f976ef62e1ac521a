// Index facts carried over a failed lookup (core/audit.ts, core/outdated.ts), what a result
// did not cover (coverageOf), and when an advisory database counts as stale.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { findOutdated } from '../../../functions/core/outdated.ts';
import type { CrateLookup, IndexVersion } from '../../../functions/core/ports.ts';
import { coverageOf, staleAdvisoryDb, type LockfileResult } from '../../../functions/core/result.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { fixtureDb, fixtureLockfile, fixtureText } from '../../helpers/fixtures.ts';

const TODAY = '2099-06-02';
const FIRST_SCAN = '2099-06-01T06:00:00.000Z';
const v = (version: string, extra: Partial<IndexVersion> = {}): IndexVersion => ({ version, yanked: false, rustVersion: null, ...extra });
const found = (...versions: IndexVersion[]): CrateLookup => ({ kind: 'found', versions });
const failed: CrateLookup = { kind: 'failed', message: 'crate "maybe-uninit": http://127.0.0.1:1/ma/yb/maybe-uninit: HTTP 503, giving up after retries' };

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

/** The v3 fixture audited with maybe-uninit 2.0.0 yanked and reqwest outdated: the first scan. */
function firstScan(): LockfileResult {
  const index = new Map<string, CrateLookup>([
    ['maybe-uninit', found(v('2.0.0', { yanked: true }), v('2.0.1'))],
    ['reqwest', found(v('0.11.27'), v('0.12.0'))],
  ]);
  return auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: '2099-06-01', index });
}

describe('auditLockfile when a lookup fails', () => {
  it('keeps the yanked finding of the previous scan, marked with when that scan read the index', () => {
    const previous = firstScan();
    const index = new Map<string, CrateLookup>([['maybe-uninit', failed], ['reqwest', found(v('0.11.27'), v('0.12.0'))]]);
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index, previous: { lockfile: previous, scannedAt: FIRST_SCAN } });
    const yanked = result.findings.filter((f) => f.kind === 'yanked');
    expect(yanked).toEqual([{ ...previous.findings.find((f) => f.kind === 'yanked')!, carriedFrom: FIRST_SCAN }]);
    expect(result.counts.byKind.yanked).toBe(1);
    expect(result.notCovered.find((n) => n.name === 'maybe-uninit')).toEqual({
      name: 'maybe-uninit',
      version: '2.0.0',
      source: 'registry+https://github.com/rust-lang/crates.io-index',
      reason: 'index-failed',
      message: `the index could not be read: ${failed.kind === 'failed' ? failed.message : ''}; its yanked and outdated facts from the scan of ${FIRST_SCAN} are kept`,
    });
  });

  it('keeps the time of the scan that read the index when the facts were already carried', () => {
    const first = firstScan();
    const index = new Map<string, CrateLookup>([['maybe-uninit', failed]]);
    const second = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index, previous: { lockfile: first, scannedAt: FIRST_SCAN } });
    const third = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: '2099-06-03', index, previous: { lockfile: second, scannedAt: '2099-06-02T06:00:00.000Z' } });
    expect(third.findings.filter((f) => f.kind === 'yanked').map((f) => f.carriedFrom)).toEqual([FIRST_SCAN]);
  });

  it('takes the index answer, not the previous scan, when the lookup succeeds', () => {
    const index = new Map<string, CrateLookup>([['maybe-uninit', found(v('2.0.0'), v('2.0.1'))]]);
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index, previous: { lockfile: firstScan(), scannedAt: FIRST_SCAN } });
    expect(result.findings.filter((f) => f.kind === 'yanked')).toEqual([]);
  });

  it('carries nothing for a version the previous scan did not lock', () => {
    const previous = firstScan();
    const bumped = parseLockfile(fixtureText('v3.Cargo.lock').replace('name = "maybe-uninit"\nversion = "2.0.0"', 'name = "maybe-uninit"\nversion = "2.0.1"'), 'Cargo.lock');
    expect(bumped.packages.find((p) => p.name === 'maybe-uninit')?.version).toBe('2.0.1');
    const index = new Map<string, CrateLookup>([['maybe-uninit', failed]]);
    const result = auditLockfile(bumped, db, { today: TODAY, index, previous: { lockfile: previous, scannedAt: FIRST_SCAN } });
    expect(result.findings.filter((f) => f.kind === 'yanked')).toEqual([]);
    expect(result.notCovered.find((n) => n.name === 'maybe-uninit')?.message).not.toContain('are kept');
  });

  it('drops the yanked finding when the lookup fails and there is no previous scan', () => {
    const index = new Map<string, CrateLookup>([['maybe-uninit', failed]]);
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index });
    expect(result.findings.filter((f) => f.kind === 'yanked')).toEqual([]);
    expect(result.notCovered.map((n) => [n.name, n.reason])).toContainEqual(['maybe-uninit', 'index-failed']);
  });
});

describe('findOutdated when a lookup fails', () => {
  it('keeps the previous entry of the same version, marked carried, and recomputes whether it is direct', () => {
    const before = [{ name: 'reqwest', version: '0.11.27', compatible: '0.11.28', latest: '0.12.0', direct: false, msrvLimited: false }];
    const index = new Map<string, CrateLookup>([['reqwest', failed]]);
    expect(findOutdated(fixtureLockfile('v3.Cargo.lock'), index, null, { outdated: before, scannedAt: FIRST_SCAN })).toEqual([{ ...before[0], direct: true, carriedFrom: FIRST_SCAN }]);
  });

  it('keeps nothing for a crate the index says is gone', () => {
    const before = [{ name: 'reqwest', version: '0.11.27', compatible: '0.11.28', latest: '0.12.0', direct: true, msrvLimited: false }];
    const index = new Map<string, CrateLookup>([['reqwest', { kind: 'gone', status: 404 }]]);
    expect(findOutdated(fixtureLockfile('v3.Cargo.lock'), index, null, { outdated: before, scannedAt: FIRST_SCAN })).toEqual([]);
  });
});

describe('coverageOf', () => {
  it('counts packages not covered, the index lookups that failed, and the facts carried because of them', () => {
    const previous = firstScan();
    const index = new Map<string, CrateLookup>([['maybe-uninit', failed], ['reqwest', failed]]);
    const lockfile = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index, previous: { lockfile: previous, scannedAt: FIRST_SCAN } });
    // The fixture's git and other-registry packages, and the two failed lookups; carried: maybe-uninit yanked and outdated, reqwest outdated.
    expect(lockfile.notCovered.map((n) => n.reason).sort()).toEqual(['git', 'index-failed', 'index-failed', 'other-registry']);
    expect(coverageOf({ lockfiles: [lockfile] })).toEqual({ notCovered: 4, indexFailed: 2, carriedIndexFacts: 3 });
  });
});

describe('staleAdvisoryDb', () => {
  const now = new Date('2099-06-10T12:00:00Z');

  it.each([
    ['2099-06-01T12:00:00Z', 7, { ageDays: 9, maxAgeDays: 7 }],
    ['2099-06-03T11:59:59Z', 7, { ageDays: 7, maxAgeDays: 7 }],
    ['2099-06-03T12:00:00Z', 7, undefined],
    ['2099-06-10T00:00:00Z', 1, undefined],
    ['2099-05-01T00:00:00Z', 30, { ageDays: 40, maxAgeDays: 30 }],
  ])('calls a database last current at %s stale with a %d-day limit: %o', (fetchedAt, maxAgeDays, expected) => {
    expect(staleAdvisoryDb(fetchedAt, now, maxAgeDays)).toEqual(expected);
  });

  it('says nothing of a database whose age is unknown (a local path)', () => {
    expect(staleAdvisoryDb(null, now, 7)).toBeUndefined();
  });
});
