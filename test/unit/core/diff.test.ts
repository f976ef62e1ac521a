import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepository, failedRepository } from '../../../functions/app/audit-lockfile.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { rediffHistory } from '../../../functions/core/diff.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import { fixtureDb, fixtureText } from '../../helpers/fixtures.ts';

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

function scan(text: string, now: string, previous?: ScanResult, ignores: { id: string; reason: string }[] = []): ScanResult {
  return auditRepository({
    repository: { name: 'demo', source: 'path:/demo', ref: null, commit: null },
    lockfiles: [{ path: 'Cargo.lock', text }],
    db,
    dbLocation: 'fixture',
    ignores,
    deny: [],
    now: new Date(now),
    ...(previous ? { previous } : {}),
  });
}

const ids = (refs: { id: string; package: { name: string } }[]) => refs.map((r) => `${r.package.name} ${r.id}`).sort();

describe('diff with the previous result', () => {
  it('counts every finding as new on the first scan', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    expect(first.diff.previousScanAt).toBeNull();
    expect(first.diff.new).toHaveLength(10);
    expect(first.diff.resolved).toEqual([]);
  });

  it('reports nothing new when nothing changed', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const second = scan(fixtureText('v3.Cargo.lock'), '2099-06-02T00:00:00Z', first);
    expect(second.diff).toEqual({ previousScanAt: '2099-06-01T00:00:00.000Z', new: [], resolved: [] });
  });

  it('reports an upgraded crate as resolved and its new version\'s finding as new', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const upgraded = fixtureText('v3.Cargo.lock').replace('name = "hyper"\nversion = "0.14.27"', 'name = "hyper"\nversion = "0.14.28"').replaceAll('"hyper 0.14.27"', '"hyper 0.14.28"');
    const second = scan(upgraded, '2099-06-02T00:00:00Z', first);
    expect(ids(second.diff.resolved)).toEqual(['hyper RUSTSEC-2099-0001']);
    expect(second.diff.new).toEqual([]);
  });

  it('reports a finding that an ignore now hides as resolved, and one it stops hiding as new', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z', undefined, [{ id: 'RUSTSEC-2099-0002', reason: 'r' }]);
    const second = scan(fixtureText('v3.Cargo.lock'), '2099-06-02T00:00:00Z', first);
    expect(ids(second.diff.new)).toEqual(['h2 RUSTSEC-2099-0002']);
  });

  it('does not call findings resolved when the lockfile could not be parsed this time', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const broken = scan('[[package]\n', '2099-06-02T00:00:00Z', first);
    expect(broken.status).toBe('error');
    expect(broken.diff.resolved).toEqual([]);
  });

  it('carries the last findings through an unreadable scan, so nothing comes back as new afterwards', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const failed = failedRepository(
      { repository: first.repository, db, dbLocation: 'fixture', deny: [], now: new Date('2099-06-02T00:00:00Z'), previous: first },
      new Error('github demo: not found (404)'),
    );
    expect(failed).toMatchObject({ status: 'error', errors: ['github demo: not found (404)'], carriedFrom: '2099-06-01T00:00:00.000Z', diff: { new: [], resolved: [] } });
    expect(failed.lockfiles).toEqual(first.lockfiles);
    const failedAgain = failedRepository({ repository: first.repository, db, dbLocation: 'fixture', deny: [], now: new Date('2099-06-03T00:00:00Z'), previous: failed }, new Error('still down'));
    expect(failedAgain.carriedFrom).toBe('2099-06-01T00:00:00.000Z');
    const back = scan(fixtureText('v3.Cargo.lock'), '2099-06-04T00:00:00Z', failedAgain);
    expect(back.diff).toMatchObject({ new: [], resolved: [] });
    expect(back.carriedFrom).toBeNull();
  });

  it('has nothing to carry when the first scan of a repository fails', () => {
    const failed = failedRepository(
      { repository: { name: 'demo', source: 'x', ref: null, commit: null }, db, dbLocation: 'fixture', deny: [], now: new Date('2099-06-02T00:00:00Z') },
      new Error('down'),
    );
    expect(failed).toMatchObject({ lockfiles: [], carriedFrom: null, status: 'error' });
  });
});

describe('finding identity without the version', () => {
  const bumped = (version: string) => fixtureText('v3.Cargo.lock').replace('name = "hyper"\nversion = "0.14.27"', `name = "hyper"\nversion = "${version}"`);

  it('lists neither resolved nor new when hyper moves from 0.14.27 to 0.14.26, still affected', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const second = scan(bumped('0.14.26'), '2099-06-02T00:00:00Z', first);
    expect(second.diff).toEqual({ previousScanAt: '2099-06-01T00:00:00.000Z', new: [], resolved: [] });
    expect(second.lockfiles[0]!.findings.find((f) => f.package.name === 'hyper')!.package.version).toBe('0.14.26');
  });

  it('rediffs a stored history by identity: a version-only change drops out of new and resolved, real changes stay', () => {
    const first = scan(fixtureText('v3.Cargo.lock'), '2099-06-01T00:00:00Z');
    const second = scan(bumped('0.14.26'), '2099-06-02T00:00:00Z', first);
    const third = scan(bumped('0.14.28'), '2099-06-03T00:00:00Z', second);
    const hyper = third.diff.resolved.find((r) => r.package.name === 'hyper')!;
    // The second result as a version-keyed cratewatch stored it: hyper resolved at 0.14.27 and new at 0.14.26.
    const stored = {
      ...second,
      diff: { ...second.diff, resolved: [{ ...hyper, package: { name: 'hyper', version: '0.14.27' } }], new: [{ ...hyper, package: { name: 'hyper', version: '0.14.26' } }] },
    };
    // The oldest kept result's own diff is kept, less version-only pairs.
    const oldest = { ...stored, scannedAt: '2099-05-31T00:00:00.000Z', diff: stored.diff };
    const [a, b, c] = rediffHistory('demo', [oldest, stored, third]);
    expect(a!.diff).toEqual({ previousScanAt: '2099-06-01T00:00:00.000Z', new: [], resolved: [] });
    expect(b!.diff).toEqual({ previousScanAt: '2099-05-31T00:00:00.000Z', new: [], resolved: [] });
    expect(ids(c!.diff.resolved)).toEqual(['hyper RUSTSEC-2099-0001']);
  });
});
